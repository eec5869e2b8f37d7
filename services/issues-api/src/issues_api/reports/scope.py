"""Who may read a report: a caller whose scope covers all of what it was rendered for.

A report is rendered for its org's path, either that org alone (`scope_exact`, a unit's report)
or its whole subtree (security finding 3: a unit whose scope is its own org read a subtree report
of that org, and the requester's name kept a narrowed user's old reports readable). The rendered
scope is what the job stored when it was requested (`org_path`, `params.scope_exact`; a job
without the flag was rendered for the subtree, as the worker reads it); the caller's scope is
the one it has now.
"""

from rectify_shared.models import ReportJob

from ..auth.principal import Scope


def rendered_scope(job: ReportJob) -> Scope:
    return Scope(job.org_path, exact=bool((job.params or {}).get("scope_exact")))


def covers(caller: Scope, report: Scope) -> bool:
    """Every row the report may hold is in the caller's scope."""
    if not caller.contains(report.path):
        return False
    return report.exact or not caller.exact


def may_read(caller: Scope, job: ReportJob) -> bool:
    return covers(caller, rendered_scope(job))
