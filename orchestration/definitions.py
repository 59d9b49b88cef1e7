"""The Dagster code location: every definition under ``orchestration/defs/``, one folder a stage.

``dg dev`` / ``dg list defs`` / ``dg check defs`` (pyproject ``[tool.dg]``) and ``dagster dev``
(``[tool.dagster]``) load it from the repository root. Nothing here opens a connection at
import time; the resources read their configuration from the environment once, when this loads.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import dagster as dg

#: who answers for each layer (Dagster shows owners on every asset page and in the catalog)
OWNERS = {
    "raw": ["team:data-engineering"],
    "staging": ["team:data-engineering"],
    "intermediate": ["team:analytics"],
    "marts": ["team:analytics"],
    "reference": ["team:analytics"],
    "published": ["team:data-engineering"],
    "reports": ["team:analytics"],
}


def _operator_view(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Owners and tags by layer, so the catalog can be filtered by team and layer."""
    layer = spec.key.path[0]
    tags = {
        "layer": layer,
        "product": "bondhedge",
        "answer": "true" if layer in ("marts", "published", "reports") else "false",
    }
    return spec.replace_attributes(
        owners=spec.owners or OWNERS.get(layer, ["team:data-engineering"]),
        tags={**tags, **spec.tags},
    )


with warnings.catch_warnings():  # Definitions.map_asset_specs is marked preview in 1.13
    warnings.simplefilter("ignore", dg.PreviewWarning)
    defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent).map_asset_specs(
        func=_operator_view
    )
