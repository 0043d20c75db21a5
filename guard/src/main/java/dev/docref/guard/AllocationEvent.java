package dev.docref.guard;

import java.time.Instant;
import java.util.Objects;

/**
 * What an {@link AllocationGuard} decided about one allocation (immutable).
 * <p>
 * Listeners receive one for every decision other than {@link AllocationDecision#ALLOWED}, and
 * {@link AllocationBlockedException#event()} carries the one that blocked.
 * <p>
 * <b>Thread-safety:</b> immutable, safe to share.
 */
public final class AllocationEvent
{
    private final String what;
    private final long bytes;
    private final long limit;
    private final String limitProperty;
    private final GuardMode mode;
    private final AllocationDecision decision;
    private final long reservedBytes;
    private final Instant time;

    /**
     * @param what          the caller's description of the allocation, e.g. {@code "pkey index resize"}.
     * @param bytes         the bytes asked for.
     * @param limit         the limit it was checked against, in bytes.
     * @param limitProperty the property that sets that limit, e.g.
     *                      {@link AllocationGuard#SINGLE_ALLOCATION_LIMIT_PROP_NAME}.
     * @param mode          the guard's mode when it decided.
     * @param decision      what it decided.
     * @param reservedBytes bytes reserved against the total limit when it decided (before this request).
     * @param time          when it decided.
     */
    public AllocationEvent(
        final String what,
        final long bytes,
        final long limit,
        final String limitProperty,
        final GuardMode mode,
        final AllocationDecision decision,
        final long reservedBytes,
        final Instant time)
    {
        this.what = Objects.requireNonNull(what, "what");
        this.bytes = bytes;
        this.limit = limit;
        this.limitProperty = Objects.requireNonNull(limitProperty, "limitProperty");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.decision = Objects.requireNonNull(decision, "decision");
        this.reservedBytes = reservedBytes;
        this.time = Objects.requireNonNull(time, "time");
    }

    /** @return the caller's description of the allocation. */
    public String what()
    {
        return what;
    }

    /** @return the bytes asked for. */
    public long bytes()
    {
        return bytes;
    }

    /** @return the limit the request was checked against, in bytes ({@link Long#MAX_VALUE} = unlimited). */
    public long limit()
    {
        return limit;
    }

    /**
     * @return the property that sets {@link #limit()}: {@link AllocationGuard#SINGLE_ALLOCATION_LIMIT_PROP_NAME} or
     * {@link AllocationGuard#TOTAL_LIMIT_PROP_NAME}.
     */
    public String limitProperty()
    {
        return limitProperty;
    }

    /** @return the guard's mode when it decided. */
    public GuardMode mode()
    {
        return mode;
    }

    /** @return what the guard decided. */
    public AllocationDecision decision()
    {
        return decision;
    }

    /** @return bytes reserved against the total limit when the guard decided, not counting this request. */
    public long reservedBytes()
    {
        return reservedBytes;
    }

    /** @return when the guard decided. */
    public Instant time()
    {
        return time;
    }

    public String toString()
    {
        return "AllocationEvent{what=" + what + ", bytes=" + bytes + ", limit=" + limit + ", limitProperty=" +
            limitProperty + ", mode=" + mode + ", decision=" + decision + ", reservedBytes=" + reservedBytes +
            ", time=" + time + "}";
    }
}
