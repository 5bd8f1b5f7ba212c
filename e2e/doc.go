// Package e2e holds Depot's end-to-end browser tests: headless Chromium driven
// by chromedp against a real server (servertest) with the embedded web app,
// walking the flows a user would — sign up, publish, search, retire, revert,
// transfer, billing — and checking that the app talks only to its own server.
//
// The web app must be built before the test binary is compiled (go:embed):
//
//	cd frontend && npm ci && npm run build && cd .. && go test ./e2e/
//
// Screenshots of the main pages (and of any failure) go to $DEPOT_TEST_OUTPUT,
// or test-output/screenshots/ at the repository root.
package e2e
