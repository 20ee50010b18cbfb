"""Who sees what in reports: dashboards, opinion groups and exports are for officials, editors
and admins; the public sees the published response, the overdue list and the transparency
figures (those live with the pages that show them)."""

import rules

from consult.rules import is_admin, is_editor, is_official

rules.add_perm("reports.view_dashboard", is_official | is_editor | is_admin)
