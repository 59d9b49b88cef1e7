"""Superset settings for the local bondhedge dashboard (read by Superset via SUPERSET_CONFIG_PATH).

Everything lives under $SUPERSET_HOME (data/superset/ by default, git-ignored): the metadata
database (SQLite) and a secret key generated on first setup. The analytics database is the
published DuckDB file, registered read-only; Superset opens a connection per query, so a new
publication is picked up by the next query and a reader never blocks the pipeline.

Anyone who can reach the server may *view* the dashboard without logging in (the Public role
is like Gamma, with access to the bondhedge datasets): it binds to 127.0.0.1 only. Editing,
SQL Lab and admin need the admin login printed by ``make bi``.
"""

import os
from pathlib import Path

HOME = Path(os.environ["SUPERSET_HOME"])
SECRET_KEY = (HOME / "secret_key").read_text().strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}"

# view-only access without a login (local use; the server binds to 127.0.0.1)
AUTH_ROLE_PUBLIC = "Public"
PUBLIC_ROLE_LIKE = "Gamma"

# no CDN, no telemetry, no outbound calls; the dev server speaks plain http on loopback
TALISMAN_ENABLED = False
SCARF_ANALYTICS = False
FEATURE_FLAGS = {"DASHBOARD_RBAC": False}
ROW_LIMIT = 50000
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 120
