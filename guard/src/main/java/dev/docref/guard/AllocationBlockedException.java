package dev.docref.guard;

import java.util.Objects;

/**
 * Thrown by an {@link AllocationGuard} in {@link GuardMode#BLOCK} instead of an allocation over a limit.
 * <p>
 * Nothing was allocated and the guard's accounting is unchanged. The message names the size, the purpose, the
 * limit and its property, and the ways out; {@link #event()} carries the same facts as values.
 * <p>
 * <b>Thread-safety:</b> immutable.
 */
public final class AllocationBlockedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Not serialisable: an exception read back from a stream has no event. */
    private final transient AllocationEvent event;

    /**
     * @param message the full explanation.
     * @param event   the decision, {@link AllocationDecision#BLOCKED}.
     */
    public AllocationBlockedException(final String message, final AllocationEvent event)
    {
        super(message);
        this.event = Objects.requireNonNull(event, "event");
    }

    /** @return the blocked allocation: what, bytes, limit and its property, mode and bytes reserved at the time. */
    public AllocationEvent event()
    {
        return event;
    }
}
