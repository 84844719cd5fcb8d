"""Reading a session token's expiry, and reconnect delays."""
import base64
import json
import unittest

from avatar_sdk.backoff import Backoff
from avatar_sdk.tokens import refresh_delay, token_claims, token_expiry


def jwt(claims):
    """A token shaped as the platform signs them (HS256 JWT); the SDK never checks the signature."""
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


class TokenTest(unittest.TestCase):
    def test_reads_exp_from_the_payload(self):
        token = jwt({"tid": "t", "sid": "s", "iat": 1_700_000_000, "exp": 1_700_003_600, "wsr": 100})
        self.assertEqual(token_expiry(token), 1_700_003_600.0)
        self.assertEqual(token_claims(token)["sid"], "s")

    def test_payload_needing_base64_padding(self):
        for extra in ("", "x", "xx", "xxx"):
            token = jwt({"exp": 1_700_000_123, "pad": extra})
            self.assertEqual(token_expiry(token), 1_700_000_123.0, extra)

    def test_not_a_jwt_has_no_expiry(self):
        for token in ("", "garbage", "a.b", "a.!!!.c", jwt({"iat": 1}), jwt({"exp": "soon"}), jwt({"exp": True})):
            self.assertIsNone(token_expiry(token), token)

    def test_refresh_a_fifth_of_the_lifetime_before_expiry(self):
        token = jwt({"iat": 1000, "exp": 1100})  # 100 s lifetime: 20 s early
        self.assertAlmostEqual(refresh_delay(token, now=1000), 80.0)
        self.assertAlmostEqual(refresh_delay(token, now=1050), 30.0)

    def test_refresh_margin_is_bounded(self):
        long_lived = jwt({"iat": 0, "exp": 3600})  # a fifth would be 720 s: at most 60 s early
        self.assertAlmostEqual(refresh_delay(long_lived, now=0), 3540.0)
        short = jwt({"iat": 0, "exp": 5})  # a fifth would be 1 s: at least 2 s early
        self.assertAlmostEqual(refresh_delay(short, now=0), 3.0)
        shorter = jwt({"iat": 0, "exp": 3})  # but not before half its lifetime
        self.assertAlmostEqual(refresh_delay(shorter, now=0), 1.5)

    def test_refresh_is_due_now_once_the_moment_has_passed(self):
        token = jwt({"iat": 0, "exp": 100})
        self.assertEqual(refresh_delay(token, now=99), 0.0)
        self.assertEqual(refresh_delay(token, now=500), 0.0)
        self.assertIsNone(refresh_delay("garbage", now=0))


class BackoffTest(unittest.TestCase):
    def test_ceiling_doubles_up_to_the_cap(self):
        backoff = Backoff(base=0.5, cap=30.0)
        self.assertEqual([backoff.ceiling(n) for n in range(8)], [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0])
        self.assertEqual(backoff.ceiling(10_000), 30.0)

    def test_jitter_between_half_and_all_of_the_ceiling(self):
        low = Backoff(base=1.0, cap=8.0, rand=lambda: 0.0)
        high = Backoff(base=1.0, cap=8.0, rand=lambda: 0.999999)
        for n in range(6):
            ceiling = low.ceiling(n)
            self.assertAlmostEqual(low.delay(n), ceiling / 2)
            self.assertAlmostEqual(high.delay(n), ceiling, places=4)

    def test_real_jitter_spreads_clients(self):
        backoff = Backoff(base=1.0, cap=8.0)
        delays = {backoff.delay(3) for _ in range(50)}
        self.assertTrue(all(4.0 <= d <= 8.0 for d in delays))
        self.assertGreater(len(delays), 1)

    def test_rejects_nonsense(self):
        with self.assertRaises(ValueError):
            Backoff(base=0)
        with self.assertRaises(ValueError):
            Backoff(base=2, cap=1)


if __name__ == "__main__":
    unittest.main()
