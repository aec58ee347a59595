"""Facts the rules need that the ledger does not state directly, with the cells they come from."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..model import ProjectFacts

REGION_ATTRIBUTES = {"region_air_quality": "air_quality", "region_energy_target": "energy_target",
                     "region_pollution_target": "pollution_target"}


def derive(project: ProjectFacts, params: dict, as_of: dt.date) -> tuple[dict[str, Any], dict[str, str]]:
    """Derived facts and their cells: energy, capacity category, efficiency level, region status."""
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    _energy(project, params, values, cells)
    _capacity_category(project, params, values, cells)
    _efficiency_level(project, params, values, cells)
    _region(project, as_of, values, cells)
    return values, cells


def _energy(project, params, values, cells) -> None:
    for key in params.get("energy_basis", ("energy_equal", "energy_equiv")):
        if key in project.values:
            values["energy"] = project.values[key]
            if key in project.cells:
                cells["energy"] = project.cells[key]
            return


def _capacity_category(project, params, values, cells) -> None:
    if "capacity_category" in project.values:
        return
    product = project.values.get("product")
    if not product:
        return
    for category, keywords in params.get("capacity_keywords", {}).items():
        if any(word in product for word in keywords):
            values["capacity_category"] = category
            break
    else:
        values["capacity_category"] = "无"
    if "product" in project.cells:
        cells["capacity_category"] = project.cells["product"]


def _efficiency_level(project, params, values, cells) -> None:
    if "efficiency_level" in project.values or "unit_energy" not in project.values:
        return
    category = values.get("capacity_category", project.values.get("capacity_category"))
    benchmark = params.get("efficiency_benchmarks", {}).get(category)
    if not benchmark:
        return
    unit_energy = project.values["unit_energy"]
    if unit_energy <= benchmark["advanced"]:
        values["efficiency_level"] = "先进"
    elif unit_energy <= benchmark["entry"]:
        values["efficiency_level"] = "准入"
    else:
        values["efficiency_level"] = "低于准入"
    if "unit_energy" in project.cells:
        cells["efficiency_level"] = project.cells["unit_energy"]


_STATUS: dict = {}  # id(region) → (region, months as they were, as_of, status): many projects share a region


def _region_status(region, as_of) -> dict:
    from ..facts import region_status

    cached = _STATUS.get(id(region))
    if cached is not None and cached[0] is region and cached[2] == as_of and cached[1] == region.months:
        return cached[3]
    if len(_STATUS) > 10_000:
        _STATUS.clear()
    status = region_status(region, as_of)
    _STATUS[id(region)] = (region, dict(region.months), as_of, status)
    return status


def _region(project, as_of, values, cells) -> None:
    region = project.region
    if region is None:
        return
    for fact, attribute in REGION_ATTRIBUTES.items():
        if getattr(region, attribute, None):
            values[fact] = getattr(region, attribute)
            if attribute in region.cells:
                cells[fact] = region.cells[attribute]
    status = _region_status(region, as_of)
    if status.get("warning"):
        values["warning"] = status["warning"]
        values["red_months"] = float(status.get("red_months") or 0)
        month_cell = region.cells.get(status.get("warning_month") or "")
        if month_cell:
            cells["warning"] = cells["red_months"] = month_cell
