package dev.docref.guard;

/**
 * Told by an {@link AllocationGuard} about every allocation it warned about or blocked.
 * <p>
 * <b>Contract:</b> a listener is called synchronously, on the allocating thread, for every decision other than
 * {@link AllocationDecision#ALLOWED} ({@link AllocationDecision#WARNED} or {@link AllocationDecision#BLOCKED}, for
 * the single-allocation limit or the total limit), before {@code check}/{@code reserve}/{@code checkResize} returns
 * or throws. Warnings are not rate-limited for listeners (only the log is). A listener that throws is logged and
 * ignored: it cannot change the decision. Listeners must return quickly and must not call back into the guard
 * that notifies them with an allocation that could again be over a limit.
 * <p>
 * <b>Thread-safety:</b> a listener registered with a guard shared between threads is called from all of them,
 * possibly at the same time.
 */
@FunctionalInterface
public interface AllocationListener
{
    /**
     * One decision other than {@link AllocationDecision#ALLOWED}.
     *
     * @param event what was asked for, the limit it broke and the decision.
     */
    void onAllocation(AllocationEvent event);
}
