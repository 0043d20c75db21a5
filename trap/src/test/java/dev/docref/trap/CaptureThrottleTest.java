package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class CaptureThrottleTest
{
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advance(final Duration duration)
    {
        now.addAndGet(duration.toNanos());
    }

    @Test
    void onlyOneCaptureRunsAtATime()
    {
        final CaptureThrottle throttle = new CaptureThrottle(Duration.ZERO, 100, now::get);

        assertNull(throttle.tryAcquire());
        assertTrue(throttle.running());
        assertTrue(throttle.tryAcquire().contains("already running"));
        throttle.release();
        assertFalse(throttle.running());
        assertNull(throttle.tryAcquire(), "no cooldown: the next may start at once");
    }

    @Test
    void theCooldownCountsFromTheEndOfTheLastCapture()
    {
        final CaptureThrottle throttle = new CaptureThrottle(Duration.ofMinutes(5), 100, now::get);
        assertNull(throttle.tryAcquire());
        advance(Duration.ofMinutes(10));
        throttle.release();

        advance(Duration.ofMinutes(4));
        final String refusal = throttle.tryAcquire();
        assertTrue(refusal.startsWith("cooling down for 60.0 s more"), refusal);
        assertTrue(refusal.contains(FreezeTrap.COOLDOWN_PROP_NAME), refusal);

        advance(Duration.ofMinutes(1));
        assertNull(throttle.tryAcquire());
    }

    @Test
    void atMostNCapturesStartInAnySixtyMinutes()
    {
        final CaptureThrottle throttle = new CaptureThrottle(Duration.ZERO, 3, now::get);
        for (int i = 0; i < 3; i++)
        {
            assertNull(throttle.tryAcquire(), "capture " + i);
            throttle.release();
            advance(Duration.ofMinutes(10));
        }
        // Starts at 0, 10 and 20 minutes; now 30 minutes.
        final String refusal = throttle.tryAcquire();
        assertTrue(refusal.startsWith("3 captures started in the last hour"), refusal);
        assertTrue(refusal.contains(FreezeTrap.MAX_CAPTURES_PER_HOUR_PROP_NAME), refusal);
        assertTrue(refusal.contains("next may start in 1800 s"), refusal);

        advance(Duration.ofMinutes(30));
        assertNull(throttle.tryAcquire(), "the first start is an hour old");
        throttle.release();
        assertTrue(throttle.tryAcquire() != null, "the second is not");
    }

    @Test
    void releaseWithoutACaptureIsAProgrammingError()
    {
        final CaptureThrottle throttle = new CaptureThrottle(Duration.ZERO, 1, now::get);

        assertThrows(IllegalStateException.class, throttle::release);
    }
}
