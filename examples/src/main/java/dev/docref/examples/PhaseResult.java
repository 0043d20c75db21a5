package dev.docref.examples;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.HdrHistogram.Histogram;

/**
 * Everything the demo measured on one map, for the table, the CSV and the report.
 * <p>
 * <b>Thread-safety:</b> built once after the phase; the arrays and histogram are not copied, so treat them as
 * read-only.
 *
 * @param phase                   the finished phase: puts, timelines, guard warnings.
 * @param queries                 every query's latency, from when it was due.
 * @param queryTimeline           the worst query latency of each {@link ReplayPhase#BUCKET_NANOS}.
 * @param captures                the trap's captures during the phase, oldest first.
 * @param largestHeapAllocation   the largest single heap allocation of the ingest thread during the phase
 *                                (JFR {@code jdk.ObjectAllocationOutsideTLAB}), in bytes.
 * @param largestNativeAllocation the largest single native allocation the map reports, in bytes.
 * @param heapBytes               heap used after GC with the map full, minus the same before the map existed.
 * @param offHeapBytes            native memory the map holds.
 * @param longestStallNanos       the trap's stall detector: the longest time the whole process was held up.
 */
record PhaseResult(
    ReplayPhase phase,
    Histogram queries,
    long[] queryTimeline,
    List<CaptureRecord> captures,
    long largestHeapAllocation,
    long largestNativeAllocation,
    long heapBytes,
    long offHeapBytes,
    long longestStallNanos)
{
    FeedIndex.Kind kind()
    {
        return phase.kind();
    }

    /** @return the largest single allocation, heap or native. */
    long largestAllocation()
    {
        return Math.max(largestHeapAllocation, largestNativeAllocation);
    }

    /** @return heap and off-heap bytes per entry. */
    double bytesPerEntry()
    {
        return (double)(heapBytes + offHeapBytes) / phase.entries();
    }

    /**
     * One capture the trap wrote.
     *
     * @param directory  the capture directory.
     * @param trigger    what fired it: {@code guard}, {@code probe-deadline}, {@code stall}, ...
     * @param firedAt    when it fired.
     * @param atNanos    when it fired, in nanoseconds from the phase's start.
     * @param stall      the summary's stall line, e.g. "the health probe hung 812 ms".
     * @param tool       the summary's tool line: which off-CPU tool produced the stacks, or none.
     * @param complete   whether the capture wrote its summary (it always does unless interrupted or failed).
     * @param failed     whether it failed part way: kept with {@link TrapCaptures#FAILURE} for the evidence it holds,
     *                   without its summary and flame graph.
     */
    record CaptureRecord(
        Path directory, String trigger, Instant firedAt, long atNanos, String stall, String tool, boolean complete,
        boolean failed)
    {
        /** @return the flame graph, which every complete capture has, and a failed one has not. */
        Path flameGraph()
        {
            return directory.resolve("offcpu.svg");
        }

        /** @return whether an off-CPU tool produced its stacks, so that its flame graph shows them. */
        boolean hasStacks()
        {
            return complete && !tool.isEmpty() && !tool.equals(TrapCaptures.NO_TOOL);
        }

        /** @return what failed, in a failed capture. */
        Path failure()
        {
            return directory.resolve(TrapCaptures.FAILURE);
        }
    }
}
