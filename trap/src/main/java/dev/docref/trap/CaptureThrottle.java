package dev.docref.trap;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Decides whether a capture may start now: at most one at a time, a cooldown after each, at most N in any hour.
 * <p>
 * The cooldown counts from the end of the previous capture; the hourly cap counts capture starts in the last 60
 * minutes. With the defaults (5 min cooldown, 6 per hour) a freeze that recurs every minute is captured at most
 * every 5 min plus the capture itself, and 6 times an hour at most.
 * <b>Thread-safety:</b> thread-safe; triggers on any thread race through {@link #tryAcquire()} and one wins.
 */
final class CaptureThrottle
{
    private static final long HOUR_NANOS = Duration.ofHours(1).toNanos();

    private final long cooldownNanos;
    private final int maxPerHour;
    private final LongSupplier nanoClock;
    private final ArrayDeque<Long> startsInLastHour = new ArrayDeque<>();
    private boolean running;
    private boolean ended;
    private long lastEndNanos;

    /**
     * @param cooldown   time after a capture ends before the next may start.
     * @param maxPerHour captures that may start in any 60 minutes, 1 or more.
     * @param nanoClock  {@link System#nanoTime()}, or a test's clock.
     */
    CaptureThrottle(final Duration cooldown, final int maxPerHour, final LongSupplier nanoClock)
    {
        this.cooldownNanos = cooldown.toNanos();
        this.maxPerHour = maxPerHour;
        this.nanoClock = nanoClock;
    }

    /**
     * Claims the right to capture if no rule forbids it.
     *
     * @return {@code null} if the caller may capture now and must call {@link #release()} when done, else why not.
     */
    synchronized String tryAcquire()
    {
        final long now = nanoClock.getAsLong();
        if (running)
        {
            return "a capture is already running";
        }
        if (ended && now - lastEndNanos < cooldownNanos)
        {
            return String.format(Locale.ROOT, "cooling down for %.1f s more (%s)",
                (cooldownNanos - (now - lastEndNanos)) / 1e9, FreezeTrap.COOLDOWN_PROP_NAME);
        }
        while (!startsInLastHour.isEmpty() && now - startsInLastHour.peekFirst() >= HOUR_NANOS)
        {
            startsInLastHour.removeFirst();
        }
        if (startsInLastHour.size() >= maxPerHour)
        {
            return String.format(Locale.ROOT, "%d captures started in the last hour, the most allowed (%s); the " +
                "next may start in %.0f s", startsInLastHour.size(), FreezeTrap.MAX_CAPTURES_PER_HOUR_PROP_NAME,
                (HOUR_NANOS - (now - startsInLastHour.peekFirst())) / 1e9);
        }
        running = true;
        startsInLastHour.addLast(now);
        return null;
    }

    /** Ends the capture claimed by {@link #tryAcquire()}; the cooldown starts now. */
    synchronized void release()
    {
        if (!running)
        {
            throw new IllegalStateException("release() without a successful tryAcquire()");
        }
        running = false;
        ended = true;
        lastEndNanos = nanoClock.getAsLong();
    }

    /** @return whether a capture is running. */
    synchronized boolean running()
    {
        return running;
    }
}
