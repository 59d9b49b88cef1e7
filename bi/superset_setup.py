"""Run inside .venv-superset: admin user, roles, the bondhedge dashboard, public view access.

Usage: python bi/superset_setup.py BUNDLE.zip ADMIN_PASSWORD
(`superset db upgrade` must have run first.) Idempotent: re-importing overwrites the
dashboard, charts and datasets by uuid.
"""

import sys
from zipfile import ZipFile

from superset.app import create_app

bundle, password = sys.argv[1], sys.argv[2]
app = create_app()
with app.app_context():
    from flask import g
    from superset import appbuilder, db, security_manager
    from superset.commands.dashboard.importers.dispatcher import ImportDashboardsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle

    appbuilder.add_permissions(update_perms=True)  # what `superset init` does
    security_manager.sync_role_definitions()
    admin = security_manager.find_user(username="admin")
    if admin is None:
        admin = security_manager.add_user(
            "admin",
            "bondhedge",
            "admin",
            "admin@localhost",
            security_manager.find_role("Admin"),
            password=password,
        )
    g.user = admin
    with ZipFile(bundle) as zf:
        contents = get_contents_from_bundle(zf)
    try:
        ImportDashboardsCommand(contents, overwrite=True).run()
    except Exception as exc:
        details = getattr(exc, "normalized_messages", lambda: "")()
        sys.exit(f"superset setup: dashboard import failed: {exc} {details}")

    public = security_manager.find_role("Public")
    for perm, view in (
        ("all_datasource_access", "all_datasource_access"),
        ("all_database_access", "all_database_access"),
    ):
        pv = security_manager.find_permission_view_menu(perm, view)
        if pv is not None and pv not in public.permissions:
            security_manager.add_permission_role(public, pv)
    db.session.commit()
    print("superset setup: dashboard imported")
