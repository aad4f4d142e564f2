"""Each measure's documented mapping to the (pressure, reciprocity) plane."""

import pytest
from pydantic import TypeAdapter, ValidationError

from sim import measures as m

adapter = TypeAdapter(m.Measure)


def parse(**data):
    return adapter.validate_python(data)


def test_crude_oil_cut_4m_to_3m():
    measure = parse(type="crude_oil_cap", **{"from": 4_000_000, "to": 3_000_000})
    d_pressure, d_reciprocity = measure.shift()
    assert d_pressure == pytest.approx(m.CRUDE_OIL_WEIGHT * 0.25)
    assert d_reciprocity == pytest.approx(-m.PUNISHMENT_TILT * d_pressure)


def test_refined_cut_500k_to_375k_and_to_zero():
    quarter = parse(type="refined_petroleum_cap", **{"from": 500_000, "to": 375_000}).shift()[0]
    halt = parse(type="refined_petroleum_cap", **{"from": 500_000, "to": 0}).shift()[0]
    assert quarter == pytest.approx(m.REFINED_PETROLEUM_WEIGHT * 0.25)
    assert halt == pytest.approx(m.REFINED_PETROLEUM_WEIGHT)


def test_raising_a_cap_eases_and_adds_reciprocity():
    d_pressure, d_reciprocity = parse(type="crude_oil_cap", **{"from": 3_000_000, "to": 4_000_000}).shift()
    assert d_pressure < 0 < d_reciprocity


def test_a_raise_undoes_exactly_the_reverse_cut_and_is_bounded():
    """Raising the refined cap from 500,000 back to 4,500,000 (before S/RES/2397 and 2375) takes
    away what cutting it from 4,500,000 to 500,000 added: not nine times as much. No raise,
    however large, takes more than the cap's weight."""
    cut = parse(type="refined_petroleum_cap", **{"from": 4_500_000, "to": 500_000}).shift()
    raise_ = parse(type="refined_petroleum_cap", **{"from": 500_000, "to": 4_500_000}).shift()
    assert raise_[0] == pytest.approx(-cut[0]) and raise_[1] == pytest.approx(-cut[1])
    huge = parse(type="refined_petroleum_cap", **{"from": 1, "to": 1_000_000_000}).shift()[0]
    assert -m.REFINED_PETROLEUM_WEIGHT <= huge < -0.99 * m.REFINED_PETROLEUM_WEIGHT
    assert parse(type="crude_oil_cap", **{"from": 0, "to": 100}).shift()[0] == pytest.approx(
        -m.CRUDE_OIL_WEIGHT
    )
    assert parse(type="crude_oil_cap", **{"from": 0, "to": 0}).fraction_cut() == 0.0


def test_export_ban_and_asset_freeze_scale_with_count():
    two = parse(type="export_ban", goods=["a", "b"]).shift()[0]
    four = parse(type="export_ban", goods=["a", "b", "c", "d"]).shift()[0]
    assert four == pytest.approx(2 * two) == pytest.approx(4 * m.EXPORT_BAN_WEIGHT)
    named = parse(type="asset_freeze", entities=["Lazarus Group"]).shift()[0]
    counted = parse(type="asset_freeze", entities=["Lazarus Group"], count=4).shift()[0]
    assert counted == pytest.approx(4 * named)


def test_relief_lowers_pressure_and_raises_reciprocity_per_ban():
    d_pressure, d_reciprocity = parse(
        type="sanctions_relief", lifted=["statues", "seafood", "textiles"]
    ).shift()
    assert d_pressure == pytest.approx(-3 * m.RELIEF_PRESSURE)
    assert d_reciprocity == pytest.approx(3 * m.RELIEF_RECIPROCITY)


def test_statement_components_add_up():
    welcome = parse(type="statement", welcomes_diplomacy=True).shift()
    both = parse(type="statement", welcomes_diplomacy=True, signals_adjustment=True).shift()
    assert welcome == pytest.approx((0.0, m.STATEMENT_WELCOME_RECIPROCITY))
    assert both[0] == pytest.approx(-m.STATEMENT_ADJUSTMENT_PRESSURE)
    assert both[1] == pytest.approx(m.STATEMENT_WELCOME_RECIPROCITY + m.STATEMENT_ADJUSTMENT_RECIPROCITY)
    with pytest.raises(ValidationError, match="must welcome diplomacy"):
        parse(type="statement")


def test_panel_agenda_and_custom():
    assert parse(type="panel_renewal").shift() == (m.PANEL_RENEWAL_PRESSURE, 0.0)
    other_item = parse(type="agenda_item", item="other item", subject="other")
    assert other_item.shift() == (m.AGENDA_ITEM_PRESSURE, 0.0)
    assert parse(type="custom", description="cargo inspection", pressure=0.05).shift() == (0.05, 0.0)


def test_softened_text_is_described_with_the_softened_cap():
    measure = parse(type="crude_oil_cap", **{"from": 4_000_000, "to": 2_000_000})
    assert "3,000,000" in measure.describe(scale=0.5)


def test_total_shift_sums_measures():
    items = [parse(type="export_ban", goods=["a"]), parse(type="panel_renewal")]
    assert m.total_shift(items)[0] == pytest.approx(m.EXPORT_BAN_WEIGHT + m.PANEL_RENEWAL_PRESSURE)


def test_unknown_and_malformed_measures_are_rejected():
    with pytest.raises(ValidationError):
        parse(type="naval_blockade")
    with pytest.raises(ValidationError):
        parse(type="crude_oil_cap", **{"from": -1, "to": 0})
    with pytest.raises(ValidationError):
        parse(type="export_ban", goods=[])


def test_an_agenda_item_on_human_rights_moves_no_sanctions_but_a_dimension_of_its_own():
    """The DPRK's human rights (the default subject) are not a step on the sanctions scale: the
    item shifts neither pressure nor reciprocity and carries HUMAN_RIGHTS_AGENDA_WEIGHT on its
    own dimension; another subject is the small pressure step it always was."""
    rights = parse(type="agenda_item", item="The situation in the DPRK")
    other = parse(type="agenda_item", item="Non-proliferation", subject="other")
    assert rights.shift() == (0.0, 0.0)
    assert m.human_rights_change([rights]) == m.HUMAN_RIGHTS_AGENDA_WEIGHT > 0
    assert other.shift() == (m.AGENDA_ITEM_PRESSURE, 0.0)
    assert m.human_rights_change([other]) == 0.0
    with pytest.raises(ValidationError):
        parse(type="agenda_item", item="x", subject="sanctions")
