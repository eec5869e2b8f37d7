"""Who may read an objector's name and contact (a property-level rule, security finding 2).

Objectors give their real name and a phone number to the office that decides objections; the
unit objected to, leaders and integration clients see what was objected, when, and the
decision, never who objected. The office here is what `closures.manage` (the policy of the
decision endpoint) admits, over the closure's subtree, and never the applicant unit itself.
"""

from rectify_shared.models import Closure

from ..auth.policies import POLICIES
from ..auth.principal import Principal


def sees_objectors(principal: Principal, closure: Closure) -> bool:
    return (
        principal.kind == "user"
        and principal.role in POLICIES["closures.manage"]
        and principal.org_id != closure.applicant_org_id
        and principal.subtree.contains(closure.org_path)
    )
