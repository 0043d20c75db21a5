package dev.docref.guard;

/**
 * What an {@link AllocationGuard} decided about one allocation.
 */
public enum AllocationDecision
{
    /** Within every limit, or the guard is {@link GuardMode#OFF}. */
    ALLOWED,
    /** Over a limit in {@link GuardMode#WARN}: allowed, and reported. */
    WARNED,
    /** Over a limit in {@link GuardMode#BLOCK}: refused with {@link AllocationBlockedException}. */
    BLOCKED
}
