"""Demo accounts: `admin` over the whole tree and one unit operator per demo org.

Usernames of the unit operators are the org keys of the demo data file (e.g. `xlhts` for
锡林浩特市, `xlgl_sthjj` for 盟生态环境局); `leader` reads the league's ledger.
"""

from functools import cache

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import OrgKind
from rectify_shared.models import Org, UserAccount

from ..auth.passwords import hash_password
from ..auth.principal import Role

ADMIN_USERNAME = "admin"
LEADER_USERNAME = "leader"
LEADER_ORG_KEY = "xlgl"


@cache
def _hash(password: str) -> str:
    # one argon2 hash per password per process: the demo's operators share a password
    return hash_password(password)


async def create_demo_accounts(
    session: AsyncSession, orgs: dict[str, Org], root_key: str, admin_password: str, demo_password: str
) -> list[str]:
    """Create the demo accounts; returns the usernames created."""
    created: list[tuple[str, Org, Role, str]] = [(ADMIN_USERNAME, orgs[root_key], Role.office_admin, admin_password)]
    created.append((LEADER_USERNAME, orgs[LEADER_ORG_KEY], Role.leader, demo_password))
    created += [
        (key, org, Role.unit_operator, demo_password)
        for key, org in orgs.items()
        if key != root_key and org.kind != OrgKind.office
    ]
    # the clerk of the round's 督察整改办 administers the league's ledger (scope: 锡林郭勒盟's subtree)
    created += [
        (key, orgs[LEADER_ORG_KEY], Role.office_admin, demo_password)
        for key, org in orgs.items()
        if org.kind == OrgKind.office
    ]
    offices = {key: org.name for key, org in orgs.items() if org.kind == OrgKind.office}
    for username, org, role, password in created:
        session.add(
            UserAccount(
                username=username,
                display_name=f"{offices.get(username, org.name)}（演示）",
                password_hash=_hash(password),
                org_id=org.id or 0,
                org_path=org.path,
                role=role,
                created_by="demo-loader",
            )
        )
    return [c[0] for c in created]
