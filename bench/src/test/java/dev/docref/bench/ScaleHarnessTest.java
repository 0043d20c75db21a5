package dev.docref.bench;

import dev.docref.core.Concurrency;
import dev.docref.core.PresizedDocRefMap;
import dev.docref.core.SegmentSizing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScaleHarnessTest
{
    @Test
    void growsToMaxEntriesWritesACheckpointPerIntervalAndVerifiesEveryRegeneratedKey() throws Exception
    {
        final ScaleHarness.Options options =
            ScaleHarness.Options.parse(new String[] {"--max-entries", "300000", "--report-every", "100000"});
        final ScaleHarness.Result result = ScaleHarness.run(options);

        assertEquals(300_000, result.entries);
        assertEquals("reached --max-entries", result.stopReason);
        assertTrue(result.verified);
        assertEquals(300_000, result.verifiedKeys);
        assertEquals(3, result.checkpoints.size());
        final ScaleHarness.Checkpoint last = result.checkpoints.get(2);
        assertEquals(300_000, last.entries);
        // Off-heap alone is at least 16 bytes per entry (one slot each) and a grown map stays under 40.
        assertTrue(last.offHeapBytes >= 16L * 300_000 && last.bytesPerEntry() < 40, "bytes/entry " +
            last.bytesPerEntry());
        assertTrue(result.worstPutNs > 0 && result.worstPutNs == last.worstPutNs);
        assertTrue(result.worstVerifyGetNs > 0, "verification times its gets");
        assertTrue(result.report(options).contains("| 300,000 |"));
    }

    @Test
    void stopsBeforeNativeMemoryCouldPassTheLimitAndStillVerifies() throws Exception
    {
        final long limit = 8L << 20;
        final ScaleHarness.Options options = ScaleHarness.Options.parse(
            new String[] {"--max-entries", "100000000", "--max-native", "8MiB", "--report-every", "1000000"});
        final ScaleHarness.Result result = ScaleHarness.run(options);

        assertTrue(result.entries > 100_000 && result.entries < 1_000_000, "entries " + result.entries);
        assertTrue(result.stopReason.contains("--max-native"), result.stopReason);
        final ScaleHarness.Checkpoint last = result.checkpoints.get(result.checkpoints.size() - 1);
        assertTrue(last.offHeapBytes <= limit && last.offHeapBytes > limit - 4 * options.headroomBytes(),
            "off-heap " + last.offHeapBytes);
        assertTrue(result.verified);
        assertEquals(result.entries, result.verifiedKeys);
    }

    @Test
    void aPreSizedRunAllocatesEverythingUpFrontAndStaysBelowTwentyBytesPerEntry() throws Exception
    {
        final ScaleHarness.Result result = ScaleHarness.run(ScaleHarness.Options.parse(new String[] {
            "--expected", "200000", "--max-entries", "200000", "--report-every", "50000"}));

        assertTrue(result.verified);
        final ScaleHarness.Checkpoint first = result.checkpoints.get(0);
        final ScaleHarness.Checkpoint last = result.checkpoints.get(result.checkpoints.size() - 1);
        assertEquals(first.offHeapBytes, last.offHeapBytes, "no native allocation after withCapacity");
        assertEquals(first.segments, last.segments);
        assertTrue(last.offHeapBytes < 20L * 200_000, "off-heap " + last.offHeapBytes);
    }

    @ParameterizedTest
    @CsvSource({"thread-safe, THREAD_SAFE, (thread-safe)", "single-threaded, SINGLE_THREADED, but single-threaded"})
    void growsEitherVariantAndSaysWhichInTheReport(final String option, final Concurrency expected,
        final String phrase) throws Exception
    {
        final ScaleHarness.Options options = ScaleHarness.Options.parse(new String[] {"--max-entries", "100000",
            "--report-every", "50000", "--jfr", "off", "--concurrency", option});
        assertEquals(expected, options.concurrency);
        final ScaleHarness.Result result = ScaleHarness.run(options);
        assertTrue(result.verified);
        assertTrue(result.report(options).contains("at the default settings " + phrase), result.report(options));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--concurrency", "both"}));
        assertTrue(ex.getMessage().contains("'both'") && ex.getMessage().contains("single-threaded"), ex.getMessage());
    }

    @Test
    void growsWithTheSegmentSizeAndLoadFactorAskedForAndNamesThemInTheReport() throws Exception
    {
        final ScaleHarness.Options options = ScaleHarness.Options.parse(new String[] {"--max-entries", "200000",
            "--report-every", "100000", "--jfr", "off", "--segment-bytes", "1MiB", "--load-factor", "0.9375"});
        assertEquals(1 << 20, options.segmentBytes);
        assertEquals(8L << 20, options.headroomBytes());
        final ScaleHarness.Result result = ScaleHarness.run(options);

        assertTrue(result.verified);
        // 200,000 keys at 15/16 of 65,464 home slots need 4 segments of 1 MiB: the map must have used the setting
        // (at the default 128 KiB it would hold 32 or more).
        final ScaleHarness.Checkpoint last = result.checkpoints.get(result.checkpoints.size() - 1);
        assertTrue(last.segments <= 8, "segments " + last.segments);
        assertEquals(1L << 20, result.largestNativeAllocation);
        assertTrue(result.report(options).contains("with segmentBytes 1.00 MiB and loadFactor 0.9375 (thread-safe)"),
            result.report(options));

        final IllegalArgumentException badFactor = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--load-factor", "1.5"}));
        assertTrue(badFactor.getMessage().contains("1.5"), badFactor.getMessage());
        final IllegalArgumentException badSize = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--segment-bytes", "3000"}));
        assertTrue(badSize.getMessage().contains("3000") && badSize.getMessage().contains("power of two"),
            badSize.getMessage());
    }

    /** Each valid alone, not together: refused when parsed, where the run used to fail with a stack trace. */
    @Test
    void aSegmentSizeAndLoadFactorThatLeaveASegmentTooFewEntriesAreRefusedWhenParsed()
    {
        final IllegalArgumentException together = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--segment-bytes", "512", "--load-factor", "0.1"}));
        assertTrue(together.getMessage().startsWith("--segment-bytes 512 with --load-factor 0.1: "),
            together.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"512MiB, 536870912", "2GiB, 2147483648", "1g, 1073741824", "20GiB, 21474836480", "4096, 4096",
        "64k, 65536"})
    void nativeLimitAcceptsBinarySizesAndPlainBytes(final String text, final long bytes)
    {
        assertEquals(bytes, ScaleHarness.Options.size("--max-native", text));
    }

    @ParameterizedTest
    @CsvSource({"512k, '', 1.13 MiB", "1152KiB, '', 1.13 MiB", "72MiB, --segment-bytes 8MiB, 72.00 MiB"})
    void aNativeLimitThatLeavesNoRoomAboveTheHeadroomIsRefusedBeforeTheRun(final String limit, final String more,
        final String floor) throws Exception
    {
        final String args = "--max-native " + limit + " " + more;
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(args.trim().split(" ")));
        assertTrue(ex.getMessage().startsWith("--max-native ") && ex.getMessage().contains("leaves no room") &&
            ex.getMessage().contains("pass more than " + floor) && ex.getMessage().contains("such as 20GiB"),
            ex.getMessage());

        // Just above it, the run grows the map.
        final ScaleHarness.Result result = ScaleHarness.run(ScaleHarness.Options.parse(
            new String[] {"--max-native", "1153KiB", "--max-entries", "1000", "--jfr", "off"}));
        assertEquals(1000, result.entries, result.stopReason);
    }

    /** The run used to allocate the pre-sized map past the limit and report 0 entries. */
    @Test
    void anExpectedCountWhosePreSizedMapPassesTheNativeLimitIsRefusedWithTheCountThatFits() throws Exception
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--expected", "10000000", "--max-native", "64MiB"}));
        final long bytes = SegmentSizing.presizedBytes(10_000_000, PresizedDocRefMap.DEFAULT_SEGMENT_BYTES,
            PresizedDocRefMap.DEFAULT_LOAD_FACTOR);
        final long neededMiB = (bytes + 8 * PresizedDocRefMap.DEFAULT_SEGMENT_BYTES + (1 << 20) - 1) >> 20;
        assertTrue(bytes > 64L << 20, "the case needs a pre-sized map over the limit: " + bytes);
        assertTrue(ex.getMessage().startsWith("--expected 10,000,000 pre-sizes " + GrowthPauseHarness.bytes(bytes)) &&
            ex.getMessage().contains("--max-native 64.00 MiB") &&
            ex.getMessage().contains("--max-native " + neededMiB + "MiB or more"), ex.getMessage());
        final String fits = ex.getMessage().replaceAll(".*pass --expected ([0-9,]+) or less.*", "$1").replace(",", "");
        final long largest = Long.parseLong(fits);
        assertTrue(largest > 1_000_000 && largest < 10_000_000, ex.getMessage());

        // The count it names runs, pre-sized within the limit; one more is refused.
        final ScaleHarness.Options options = ScaleHarness.Options.parse(new String[] {"--expected", fits,
            "--max-native", "64MiB", "--max-entries", "1000", "--jfr", "off"});
        final ScaleHarness.Result result = ScaleHarness.run(options);
        assertEquals(1000, result.entries, result.stopReason);
        assertTrue(result.checkpoints.get(0).offHeapBytes <= (64L << 20) - options.headroomBytes());
        assertThrows(IllegalArgumentException.class, () -> ScaleHarness.Options.parse(new String[] {
            "--expected", Long.toString(largest + 1), "--max-native", "64MiB"}));
        // And the --max-native it names for the larger count takes it.
        assertEquals(10_000_000, ScaleHarness.Options.parse(
            new String[] {"--expected", "10000000", "--max-native", neededMiB + "MiB"}).expected);
    }

    @ParameterizedTest
    @CsvSource({"0, 131072, 0.875", "1000, 131072, 0.875", "250000, 131072, 0.875", "3000000, 1048576, 0.9375",
        "50000, 512, 0.875"})
    void thePreSizedBytesTheHarnessChecksAreWhatTheMapAllocates(final long expected, final int segmentBytes,
        final double loadFactor)
    {
        try (PresizedDocRefMap map = PresizedDocRefMap.builder().expectedEntries(expected).segmentBytes(segmentBytes)
            .loadFactor(loadFactor).build())
        {
            assertEquals(map.offHeapBytes(), SegmentSizing.presizedBytes(expected, segmentBytes, loadFactor));
        }
    }

    @Test
    void anExpectedCountPastWhatTheMapAddressesIsRefusedWhenParsed()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--expected", "99000000000000", "--segment-bytes", "512"}));
        assertTrue(ex.getMessage().startsWith("--expected 99,000,000,000,000 is more than the ") &&
            ex.getMessage().contains("larger --segment-bytes"), ex.getMessage());
    }

    @Test
    void aBadNativeLimitNamesTheValueAndTheAcceptedForms()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--max-native", "lots"}));
        assertTrue(ex.getMessage().contains("'lots'") && ex.getMessage().contains("512MiB"), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"99999999999999999999", "99999999999999999999GiB", "9223372036854775807k"})
    void aNativeLimitPastWhatALongHoldsNamesTheFlagAndTheLimit(final String value)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--max-native", value}));
        assertTrue(ex.getMessage().contains("--max-native") && ex.getMessage().contains("'" + value + "'") &&
            ex.getMessage().contains("at most 2^63 - 1 bytes"), ex.getMessage());
    }

    @Test
    void theUsageGivesTheSegmentSizesTheMapTakes()
    {
        // The usage said 4KiB; the builder, and so the harness, takes 512 bytes.
        assertTrue(ScaleHarness.Options.USAGE.contains("a power of two from 512 bytes to 64MiB"),
            ScaleHarness.Options.USAGE);
        assertTrue(ScaleHarness.Options.USAGE.contains("[--segment-bytes SIZE] [--load-factor F] [--jfr on|off]"),
            "the synopsis lists every option:\n" + ScaleHarness.Options.USAGE);
        final ScaleHarness.Options options = ScaleHarness.Options.parse(new String[] {"--segment-bytes", "512"});
        assertEquals(512, options.segmentBytes);
        assertEquals("with segmentBytes 512 bytes and loadFactor 0.875", options.settings(), "not '1 KiB'");
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--segment-bytes", "256"}));
        assertTrue(small.getMessage().startsWith("--segment-bytes: ") && small.getMessage().contains("from 512") &&
            small.getMessage().contains("256"), small.getMessage());
        final IllegalArgumentException factor = assertThrows(IllegalArgumentException.class,
            () -> ScaleHarness.Options.parse(new String[] {"--load-factor", "1.5"}));
        assertTrue(factor.getMessage().startsWith("--load-factor: "), factor.getMessage());
    }
}
