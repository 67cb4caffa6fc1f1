"""Database-level guarantee that only a supervisory authority receives DPIAs and issues rulings.

A check constraint cannot look into another table, so triggers do it: on
rulings and DPIA submissions (the authority must have the supervisory role)
and on actors (the role cannot change while such records point at them).
``clean()`` gives editors the same rule in words.
"""

from django.db import migrations

ROLE = "supervisory_authority"
MESSAGE = "only a supervisory authority can issue rulings or receive DPIAs"
GUARDED = [("legal_ruling", "authority_id"), ("legal_dpiasubmission", "authority_id")]


def sqlite_statements():
    statements = []
    for table, column in GUARDED:
        for event in ("INSERT", f"UPDATE OF {column}"):
            name = f"{table}_authority_supervisory_{event.split()[0].lower()}"
            statements.append(
                f"""CREATE TRIGGER {name} BEFORE {event} ON {table}
                FOR EACH ROW WHEN (SELECT role FROM legal_actor WHERE id = NEW.{column}) IS NOT '{ROLE}'
                BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
            )
    statements.append(
        f"""CREATE TRIGGER legal_actor_keeps_supervisory_role BEFORE UPDATE OF role ON legal_actor
        FOR EACH ROW WHEN OLD.role = '{ROLE}' AND NEW.role IS NOT '{ROLE}' AND (
            EXISTS (SELECT 1 FROM legal_ruling WHERE authority_id = NEW.id)
            OR EXISTS (SELECT 1 FROM legal_dpiasubmission WHERE authority_id = NEW.id))
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
    )
    return statements


def sqlite_drop():
    names = [
        f"{table}_authority_supervisory_{event}" for table, _column in GUARDED for event in ("insert", "update")
    ]
    return [f"DROP TRIGGER IF EXISTS {name};" for name in [*names, "legal_actor_keeps_supervisory_role"]]


def postgresql_statements():
    statements = [
        f"""CREATE FUNCTION legal_check_supervisory_authority() RETURNS trigger AS $$
        BEGIN
            IF (SELECT role FROM legal_actor WHERE id = NEW.authority_id) IS DISTINCT FROM '{ROLE}' THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END; $$ LANGUAGE plpgsql;""",
        f"""CREATE FUNCTION legal_actor_keeps_supervisory_role() RETURNS trigger AS $$
        BEGIN
            IF OLD.role = '{ROLE}' AND NEW.role IS DISTINCT FROM '{ROLE}' AND (
                EXISTS (SELECT 1 FROM legal_ruling WHERE authority_id = NEW.id)
                OR EXISTS (SELECT 1 FROM legal_dpiasubmission WHERE authority_id = NEW.id)) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END; $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER legal_actor_keeps_supervisory_role BEFORE UPDATE OF role ON legal_actor
        FOR EACH ROW EXECUTE FUNCTION legal_actor_keeps_supervisory_role();""",
    ]
    for table, column in GUARDED:
        statements.append(
            f"""CREATE TRIGGER {table}_authority_supervisory BEFORE INSERT OR UPDATE OF {column} ON {table}
            FOR EACH ROW EXECUTE FUNCTION legal_check_supervisory_authority();"""
        )
    return statements


def postgresql_drop():
    statements = [f"DROP TRIGGER IF EXISTS {table}_authority_supervisory ON {table};" for table, _c in GUARDED]
    statements += [
        "DROP TRIGGER IF EXISTS legal_actor_keeps_supervisory_role ON legal_actor;",
        "DROP FUNCTION IF EXISTS legal_check_supervisory_authority();",
        "DROP FUNCTION IF EXISTS legal_actor_keeps_supervisory_role();",
    ]
    return statements


VENDOR_SQL = {
    "sqlite": (sqlite_statements, sqlite_drop),
    "postgresql": (postgresql_statements, postgresql_drop),
}


def run(apps, schema_editor, index):
    vendor = schema_editor.connection.vendor
    if vendor not in VENDOR_SQL:
        raise NotImplementedError(f"No supervisory-authority triggers for the {vendor} database.")
    for statement in VENDOR_SQL[vendor][index]():
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    run(apps, schema_editor, 0)


def backwards(apps, schema_editor):
    run(apps, schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("legal", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
