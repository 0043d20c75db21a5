package dev.docref.bench;

import java.util.Locale;

/**
 * The {@code capacity} largest latencies offered, each with the operation's index and when it ended, so that the
 * worst stalls of a run can be lined up with the JVM's own logs ({@code -Xlog:safepoint}, {@code -Xlog:gc}) and the
 * machine's ({@code vmstat}). {@link #offer} allocates nothing and costs one comparison unless the latency is among
 * the largest so far, so the growth harness calls it after every timed put.
 * <p>
 * Times are JVM uptime, in the same clock as {@code -Xlog}'s default {@code uptime} decoration: the uptime read once
 * when the tracker is created plus the {@code System.nanoTime()} elapsed since.
 * <p>
 * <b>Thread-safety:</b> one thread only.
 */
final class WorstLatencies
{
    private final long[] latencies;
    private final long[] endedAtNanos;
    private final long[] indices;
    private final long[] waitedForCpu;
    private final long[] blocked;
    private final long uptimeAtCreationNanos;
    private final long nanoTimeAtCreation;
    private int size;
    /** The smallest latency kept once full; anything not larger is ignored with one comparison. */
    private long threshold = Long.MIN_VALUE;

    /**
     * @param capacity         how many of the largest latencies to keep.
     * @param uptimeMillis     the JVM's uptime now, from {@code RuntimeMXBean.getUptime()}.
     * @param nanoTimeNow      {@code System.nanoTime()} now.
     */
    WorstLatencies(final int capacity, final long uptimeMillis, final long nanoTimeNow)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("capacity must be at least 1 but was " + capacity);
        }
        latencies = new long[capacity];
        endedAtNanos = new long[capacity];
        indices = new long[capacity];
        waitedForCpu = new long[capacity];
        blocked = new long[capacity];
        uptimeAtCreationNanos = uptimeMillis * 1_000_000L;
        nanoTimeAtCreation = nanoTimeNow;
    }

    /** Whether {@link #offer} would keep an operation of this latency (one comparison). */
    boolean wouldKeep(final long latency)
    {
        return latency > threshold;
    }

    /** Offer one operation's latency, its index and the {@code System.nanoTime()} at which it ended. */
    void offer(final long latency, final long index, final long endedAtNanoTime)
    {
        offer(latency, index, endedAtNanoTime, 0, 0);
    }

    /**
     * {@link #offer(long, long, long)}, with how long the thread waited for a CPU and was blocked around the
     * operation ({@link SchedStat}), kept with it.
     */
    void offer(final long latency, final long index, final long endedAtNanoTime, final long waitedForCpuNanos,
        final long blockedNanos)
    {
        if (latency <= threshold)
        {
            return;
        }
        // Insertion into a short array sorted largest first; runs only for a new top latency.
        int i = size < latencies.length ? size++ : latencies.length - 1;
        while (i > 0 && latencies[i - 1] < latency)
        {
            latencies[i] = latencies[i - 1];
            endedAtNanos[i] = endedAtNanos[i - 1];
            indices[i] = indices[i - 1];
            waitedForCpu[i] = waitedForCpu[i - 1];
            blocked[i] = blocked[i - 1];
            i--;
        }
        latencies[i] = latency;
        endedAtNanos[i] = endedAtNanoTime;
        indices[i] = index;
        waitedForCpu[i] = waitedForCpuNanos;
        blocked[i] = blockedNanos;
        if (size == latencies.length)
        {
            threshold = latencies[size - 1];
        }
    }

    int size()
    {
        return size;
    }

    long latency(final int rank)
    {
        return latencies[rank];
    }

    long index(final int rank)
    {
        return indices[rank];
    }

    /** JVM uptime in nanoseconds when the operation of this rank ended. */
    long endedAtUptimeNanos(final int rank)
    {
        return uptimeAtCreationNanos + (endedAtNanos[rank] - nanoTimeAtCreation);
    }

    /**
     * A compact form for the harness's one-line child result: {@code latencyNs@uptimeNs#index}, largest first,
     * separated by {@code ;} (no spaces or {@code =}, which the line format reserves).
     */
    String encode()
    {
        final StringBuilder out = new StringBuilder();
        for (int rank = 0; rank < size; rank++)
        {
            if (rank > 0)
            {
                out.append(';');
            }
            out.append(latencies[rank]).append('@').append(endedAtUptimeNanos(rank)).append('#').append(indices[rank]);
        }
        return out.toString();
    }

    /**
     * The {@code System.nanoTime()} at which each kept operation ended, largest latency first, separated by
     * {@code ;}: on Linux the kernel's monotonic clock, the same in every process, so another process's records
     * (the harness's machine-stall meter) line up with them.
     */
    String encodeEndNanoTimes()
    {
        return join(endedAtNanos);
    }

    /** How long the thread waited for a CPU around each kept operation, as {@link #encodeEndNanoTimes()}. */
    String encodeWaitedForCpu()
    {
        return join(waitedForCpu);
    }

    /** How long the thread was blocked or asleep around each kept operation, as {@link #encodeEndNanoTimes()}. */
    String encodeBlocked()
    {
        return join(blocked);
    }

    private String join(final long[] values)
    {
        final StringBuilder out = new StringBuilder();
        for (int rank = 0; rank < size; rank++)
        {
            if (rank > 0)
            {
                out.append(';');
            }
            out.append(values[rank]);
        }
        return out.toString();
    }

    /**
     * {@link #encode()}'s output for people: {@code 70.975 ms at 45.678 s (put #12,345,678)}, largest first, joined
     * with {@code ", "}.
     */
    static String describe(final String encoded, final String operation)
    {
        return describe(encoded, operation, (String[])null);
    }

    /**
     * {@link #describe(String, String)}, each item followed by its note, if any: {@code notes[rank]}, null or
     * empty for none, such as {@code 70.975 ms at 45.678 s (put #12,345,678; machine stalled 11.800 ms of it)}.
     */
    static String describe(final String encoded, final String operation, final String[] notes)
    {
        final StringBuilder out = new StringBuilder();
        int rank = 0;
        for (final String item : encoded.split(";"))
        {
            if (item.isEmpty())
            {
                continue;
            }
            final int at = item.indexOf('@');
            final int hash = item.indexOf('#');
            if (at < 0 || hash < at)
            {
                throw new IllegalArgumentException("not an encoded worst latency: '" + item + "'");
            }
            if (out.length() > 0)
            {
                out.append(", ");
            }
            out.append(String.format(Locale.ROOT, "%.3f ms at %.3f s (%s #%,d",
                Long.parseLong(item.substring(0, at)) / 1e6, Long.parseLong(item.substring(at + 1, hash)) / 1e9,
                operation, Long.parseLong(item.substring(hash + 1))));
            if (notes != null && rank < notes.length && notes[rank] != null && !notes[rank].isEmpty())
            {
                out.append("; ").append(notes[rank]);
            }
            out.append(')');
            rank++;
        }
        return out.toString();
    }
}
