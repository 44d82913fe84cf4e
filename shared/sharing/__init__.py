"""Share and verify (issue 16): expiring, revocable share links for one car's report, the
public verification pages, and checking that a PDF is one we issued (docs/sharing.md)."""
