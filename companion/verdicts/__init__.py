"""Judging pages: tier-1 scoring, tier-2 suggestions (relevance), change detection, broken targets,
and the guest-post draft check. Reads the store and the placements; writes changes it sees."""
