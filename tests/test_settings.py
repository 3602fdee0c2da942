from pathlib import Path

import pytest

from fieldops.settings import Settings, SettingsError


def test_defaults_use_an_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    s = Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'fieldops.db'}"
    assert s.storage_path == tmp_path / "storage"
    # The generated secret is kept, so a restart does not sign everyone out.
    assert Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path)}).secret_key == s.secret_key
    assert len(s.secret_key) >= 40


def test_environment_overrides_are_typed(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "FIELDOPS_INSTANCE_PATH": str(tmp_path),
            "FIELDOPS_DATABASE_URL": "postgresql+psycopg://127.0.0.1/test",
            "FIELDOPS_MAX_PHOTO_MB": "7.5",
            "FIELDOPS_TILE_URL": "https://tiles.example.gov/{z}/{x}/{y}.png",
            "FIELDOPS_MAP_CENTER": "42.1,-72.6",
            "FIELDOPS_SECURE_COOKIES": "true",
        }
    )
    assert s.database_url.startswith("postgresql")
    assert s.max_photo_bytes == int(7.5 * 1024 * 1024)
    assert s.tile_origin == "https://tiles.example.gov"
    assert s.map_center == (42.1, -72.6)
    assert s.session_cookie_secure is True


@pytest.mark.parametrize(
    ("key", "value"),
    [("FIELDOPS_MAX_PHOTO_MB", "lots"), ("FIELDOPS_MAP_CENTER", "city hall"), ("FIELDOPS_TILE_MAX_ZOOM", "19.5")],
)
def test_bad_values_are_refused_with_the_variable_named(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path), key: value})


def test_tile_origin_handles_subdomain_templates(tmp_path: Path) -> None:
    s = Settings.from_env({"FIELDOPS_INSTANCE_PATH": str(tmp_path), "FIELDOPS_TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png"})
    assert s.tile_origin == "https://a.tile.example.org"
