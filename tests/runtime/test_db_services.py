"""The real database servers the database-source tests run against start, answer and keep data."""

from __future__ import annotations

from services.mysql import MyServer
from services.postgres import PgServer  # the fixtures are in conftest.py


def test_postgres_server_answers_sql(postgres_server: PgServer) -> None:
    pg = postgres_server
    pg.psql("CREATE TABLE svc_probe (id int); INSERT INTO svc_probe VALUES (1), (2);")
    assert pg.psql("SELECT sum(id) FROM svc_probe").strip() == "3"
    assert pg.psql("SELECT current_user, current_database()").strip() == f"{pg.user}|{pg.dbname}"
    assert pg.dsn == f"postgresql://{pg.user}:{pg.password}@127.0.0.1:{pg.port}/{pg.dbname}"


def test_mysql_server_answers_sql(mysql_server: MyServer) -> None:
    my = mysql_server
    my.sql("CREATE TABLE svc_probe (id int); INSERT INTO svc_probe VALUES (1), (2);")
    assert my.sql("SELECT sum(id) FROM svc_probe").strip() == "3"
    assert my.sql("SELECT current_user(), database()").strip() == f"{my.user}@%\t{my.dbname}"
