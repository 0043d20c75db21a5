package dev.docref.trap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureStoreTest
{
    private static final Instant T0 = Instant.parse("2026-11-29T10:15:00.123Z");

    @TempDir
    Path root;

    @Test
    void captureDirectoriesAreNamedByUtcTimeAndTriggerAndSortOldestFirst() throws Exception
    {
        final CaptureStore store = new CaptureStore(root.resolve("captures"), 1L << 20);

        final Path second = store.create(T0.plusSeconds(3600), Trigger.STALL);
        final Path first = store.create(T0, Trigger.PROBE_DEADLINE);
        final Path again = store.create(T0, Trigger.PROBE_DEADLINE);

        assertEquals("capture-20261129T101500.123Z-probe-deadline", first.getFileName().toString());
        assertEquals("capture-20261129T101500.123Z-probe-deadline-2", again.getFileName().toString());
        assertEquals("capture-20261129T111500.123Z-stall", second.getFileName().toString());
        assertEquals(List.of(first, again, second), store.captures());
    }

    @Test
    void theOldestCapturesAreDeletedFirstUntilAllFitAndTheNewestIsKept() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 3000);
        final Path a = filled(store.create(T0, Trigger.STALL), 1000);
        final Path b = filled(store.create(T0.plusSeconds(1), Trigger.STALL), 1000);
        final Path c = filled(store.create(T0.plusSeconds(2), Trigger.STALL), 1000);
        Files.writeString(root.resolve("notes.txt"), "x".repeat(5000));
        assertTrue(store.enforceBudget(c).isEmpty(), "3000 bytes fit");

        final Path d = filled(store.create(T0.plusSeconds(3), Trigger.GUARD_WARNING), 1500);
        final List<String> report = store.enforceBudget(d);

        assertEquals(List.of(c, d), store.captures());
        assertEquals(2, report.size(), report.toString());
        assertTrue(report.get(0).startsWith("deleted " + a.getFileName()), report.toString());
        assertTrue(report.get(1).startsWith("deleted " + b.getFileName()), report.toString());
        assertTrue(Files.exists(root.resolve("notes.txt")), "files that are not captures are left alone");
        assertEquals(2500, store.usedBytes());
    }

    @Test
    void aNewestCaptureLargerThanTheBudgetIsKeptAndReported() throws Exception
    {
        final CaptureStore store = new CaptureStore(root, 1000);
        final Path old = filled(store.create(T0, Trigger.STALL), 100);
        final Path huge = filled(store.create(T0.plusSeconds(1), Trigger.MANUAL), 5000);

        final List<String> report = store.enforceBudget(huge);

        assertEquals(List.of(huge), store.captures());
        assertTrue(report.get(0).startsWith("deleted " + old.getFileName()), report.toString());
        assertTrue(report.get(1).contains("raise " + FreezeTrap.MAX_DISK_PROP_NAME), report.toString());
    }

    private static Path filled(final Path capture, final int bytes) throws Exception
    {
        Files.createDirectories(capture.resolve("sub"));
        Files.write(capture.resolve("sub").resolve("data"), new byte[bytes]);
        return capture;
    }
}
