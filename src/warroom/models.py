"""Every domain's tables, imported in one place so Alembic and `migrate()` see the whole schema."""

from warroom.apps import models as app_models
from warroom.auth import models as auth_models
from warroom.cameras import models as camera_models
from warroom.city import models as city_models
from warroom.db import Base
from warroom.reports import models as report_models

metadata = Base.metadata

__all__ = ["app_models", "auth_models", "camera_models", "city_models", "metadata", "report_models"]
