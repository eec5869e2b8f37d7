"""The API process runs on a steady heap (`rectify_shared.heap`): no full collection walks its startup objects."""

import gc

from rectify_shared.heap import YOUNG_THRESHOLD


async def test_the_api_runs_on_a_steady_heap(settings):
    from issues_api.main import create_app

    app = create_app(settings, run_relay=False)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0 and gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() == 0
