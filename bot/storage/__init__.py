"""Store implementations: SQLAlchemy Core, async (sqlite+aiosqlite, postgresql+asyncpg)."""
