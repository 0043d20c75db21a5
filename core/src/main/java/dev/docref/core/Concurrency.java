package dev.docref.core;

/**
 * Whether a {@link PresizedDocRefMap} may be used by several threads at once.
 */
public enum Concurrency
{
    /**
     * The default. Any number of threads may read ({@code get}, {@code containsKey}, {@code size}, iteration)
     * without locks while any number of threads write; writers lock one segment at a time. See
     * {@link PresizedDocRefMap} for the exact guarantees.
     */
    THREAD_SAFE,

    /**
     * One thread at a time, as for {@code java.util.HashMap}: no segment locks and no seqlock stamps, neither
     * maintained on writes nor checked on reads. Iteration then fails fast with
     * {@link java.util.ConcurrentModificationException} if the map gains or loses entries, and {@code size()} is a
     * field read rather than a sum over segments.
     */
    SINGLE_THREADED
}
