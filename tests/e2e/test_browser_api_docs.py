"""The API's interactive docs (/api/v1/docs/) render in Chromium under the site's Content Security Policy: Swagger
UI's files come from this site, nothing is fetched elsewhere, and the browser reports no CSP violation.

The page is Swagger UI's markup, not ours, so the axe crawl (tests/e2e/test_browser_pages.py, the consultations
namespace) leaves it out; this test checks what is ours: that it loads and works under the policy."""

from __future__ import annotations

import pytest

from tests.e2e.support import require_chromium

require_chromium()

from playwright.sync_api import Browser, expect  # noqa: E402

from tests.e2e.browser import TIMEOUT_MS  # noqa: E402

pytestmark = [pytest.mark.browser]


def test_api_docs_render_under_the_csp_with_nothing_from_elsewhere(browser: Browser, live_server) -> None:
    page = browser.new_page()
    violations: list[str] = []
    elsewhere: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((live_server.url, "data:", "blob:")) else elsewhere.append(request.url)
        ),
    )
    response = page.goto(f"{live_server.url}/api/v1/docs/", timeout=TIMEOUT_MS)
    assert response is not None and response.ok
    assert "script-src" in response.headers["content-security-policy"]

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Cuarto de Junto API", timeout=TIMEOUT_MS)
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=TIMEOUT_MS)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/positions" in path for path in paths)
    # Open one operation: Swagger UI renders its parameters without tripping the policy either.
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert not violations, violations
    assert not elsewhere, elsewhere
    page.close()
