"""Read-only access to the audit trail (the table itself lives in lanyan.core.audit).

The table sits in core, which knows no users, so its jurisdiction is declared here: a row is
seen by those who see the user who wrote it; rows the system itself wrote (CLI imports, the
demo, no user) by the top of the tree only.
"""

from lanyan.accounts.models import User
from lanyan.core import jurisdiction
from lanyan.core.audit import AuditLog

jurisdiction.register(
    AuditLog,
    via=AuditLog.actor_id,
    parent=User,
    orphans=jurisdiction.is_top,
    label=("审计记录", "audit row"),
)
