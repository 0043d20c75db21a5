package dev.docref.trap;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one stall of the {@link StallDetector} was made of: how much of it the detector's thread waited for a CPU,
 * how much the host stole the virtual CPUs, how much the JVM was stopped for garbage collection, and the rest, which
 * none of those explains. "The process stalled for 3,020 ms" becomes "2,900 ms waiting for a CPU, 0 ms stolen by
 * the host, 0 ms in GC pauses, 120 ms unexplained": this machine's CPUs were busy.
 * <p>
 * Each part is the growth of a counter over the sleep that overslept (the stall plus the interval asked for), so a
 * part may hold up to one interval (20 ms by default) from before the stall began. The parts are capped in the order
 * of {@link Part} so that they never add up to more than the stall, and the rest is {@link #unexplained()}: together
 * they add up to {@link #stall()} exactly. A part that could not be measured on this machine (no schedstat, no
 * {@code /proc/stat}, a collector whose beans do not tell pauses apart) counts zero, says why in
 * {@link #unavailable(Part)}, and its share is in the unexplained rest.
 * <p>
 * Immutable and safe from any thread.
 */
public final class StallSplit
{
    /** A part of a stall that a counter explains. */
    public enum Part
    {
        /**
         * The detector's thread was runnable but waited for a CPU that other threads held: this VM's CPUs were
         * busy (its run delay, from {@code /proc/thread-self/schedstat}).
         */
        WAITING_FOR_CPU("waitingForCpu", "waiting for a CPU"),
        /**
         * The GC stopped the JVM: the growth of the collection time of the collectors whose beans count pauses
         * only.
         */
        GC_PAUSE("gcPause", "in GC pauses"),
        /**
         * The host ran something else on this VM's virtual CPUs: the growth of the {@code steal} column of
         * {@code /proc/stat}, per CPU.
         */
        STOLEN_BY_HOST("stolenByHost", "stolen by the host");

        private final String key;
        private final String label;

        Part(final String key, final String label)
        {
            this.key = key;
            this.label = label;
        }

        /** @return the part's name in {@code summary.json}, e.g. {@code waitingForCpu}. */
        public String key()
        {
            return key;
        }

        /** @return how the part is said in a sentence, e.g. {@code waiting for a CPU}. */
        public String label()
        {
            return label;
        }
    }

    private static final Part[] PARTS = Part.values();

    private final long stallNanos;
    private final long[] partNanos;
    private final String[] unavailable;
    private final long unexplainedNanos;
    /** The parts in whole milliseconds, each rounded down, as reported; {@link #unexplainedMillis} is the rest. */
    private final long[] partMillis;
    private final long unexplainedMillis;

    /**
     * @param stallNanos  the stall's length.
     * @param grownNanos  how much each part's counter grew over the sleep, by {@link Part#ordinal()}; negative
     *                    growth (a counter that went back) counts zero.
     * @param unavailable why each part could not be measured, or {@code null} where it could, by ordinal.
     */
    StallSplit(final long stallNanos, final long[] grownNanos, final String[] unavailable)
    {
        this.stallNanos = stallNanos;
        this.partNanos = new long[PARTS.length];
        this.unavailable = unavailable.clone();
        long left = stallNanos;
        for (final Part part : PARTS)
        {
            if (this.unavailable[part.ordinal()] == null)
            {
                final long nanos = Math.min(left, Math.max(0, grownNanos[part.ordinal()]));
                partNanos[part.ordinal()] = nanos;
                left -= nanos;
            }
        }
        this.unexplainedNanos = left;
        this.partMillis = new long[PARTS.length];
        long leftMillis = Duration.ofNanos(stallNanos).toMillis();
        for (final Part part : PARTS)
        {
            partMillis[part.ordinal()] = Duration.ofNanos(partNanos[part.ordinal()]).toMillis();
            leftMillis -= partMillis[part.ordinal()];
        }
        this.unexplainedMillis = leftMillis;
    }

    /** @return the stall's length: how much longer than asked the detector's sleep took. */
    public Duration stall()
    {
        return Duration.ofNanos(stallNanos);
    }

    /** @return how much of the stall {@code part} explains; zero where it could not be measured. */
    public Duration of(final Part part)
    {
        return Duration.ofNanos(partNanos[part.ordinal()]);
    }

    /** @return why {@code part} could not be measured, or {@code null} if it was. */
    public String unavailable(final Part part)
    {
        return unavailable[Objects.requireNonNull(part, "part").ordinal()];
    }

    /**
     * @return the rest of the stall: a safepoint not for GC, the kernel (page faults, {@code mmap_lock}), a host
     * that does not report steal time, and the parts that could not be measured.
     */
    public Duration unexplained()
    {
        return Duration.ofNanos(unexplainedNanos);
    }

    /**
     * The split for {@code summary.json}, in whole milliseconds that add up to the stall's: {@code known: true}, each
     * measured part rounded down, the unexplained rest what is left; a part not measured is {@code null} with its
     * reason under {@code unavailable}; and {@link #toString()} as {@code text}.
     */
    Map<String, Object> toMap()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("known", true);
        final Map<String, Object> reasons = new LinkedHashMap<>();
        for (final Part part : PARTS)
        {
            final boolean measured = unavailable[part.ordinal()] == null;
            map.put(part.key() + "Millis", measured ? Long.valueOf(partMillis[part.ordinal()]) : null);
            if (!measured)
            {
                reasons.put(part.key(), unavailable[part.ordinal()]);
            }
        }
        map.put("unexplainedMillis", unexplainedMillis);
        map.put("unavailable", reasons);
        map.put("text", toString());
        return map;
    }

    /**
     * @return e.g. {@code 2,900 ms waiting for a CPU, 0 ms in GC pauses, 0 ms stolen by the host, 120 ms unexplained},
     * in the same whole milliseconds as {@link #toMap()}, with each part not measured and why.
     */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder();
        final StringBuilder notMeasured = new StringBuilder();
        for (final Part part : PARTS)
        {
            if (unavailable[part.ordinal()] == null)
            {
                text.append(String.format(Locale.ROOT, "%,d ms %s, ", partMillis[part.ordinal()], part.label()));
            }
            else
            {
                notMeasured.append("; ").append(part.label()).append(" not measured: ")
                    .append(unavailable[part.ordinal()]);
            }
        }
        return text.append(String.format(Locale.ROOT, "%,d ms unexplained", unexplainedMillis)).append(notMeasured)
            .toString();
    }
}
