package dev.docref.guard;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME;
import static dev.docref.guard.GuardTesting.guard;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationGuardJfrTest
{
    @TempDir
    Path dir;

    @Test
    void warnedAndBlockedAllocationsAreRecordedAndAllowedOnesAreNot() throws Exception
    {
        final Path file = dir.resolve("guard.jfr");
        try (AllocationGuard guard = guard(SINGLE_ALLOCATION_LIMIT_PROP_NAME, "1MiB");
             Recording recording = new Recording())
        {
            recording.enable(AllocationGuardEvent.NAME);
            recording.start();
            guard.check(1 << 20, "allowed");
            guard.check(3 << 20, "jfr warned");
            guard.reconfigure(GuardTesting.properties(MODE_PROP_NAME, "block"));
            assertThrows(AllocationBlockedException.class, () -> guard.check(5 << 20, "jfr blocked"));
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
            .filter(e -> e.getEventType().getName().equals("dev.docref.AllocationGuard"))
            .sorted(Comparator.comparing(RecordedEvent::getStartTime))
            .collect(Collectors.toList());
        assertEquals(2, events.size(), events::toString);
        final RecordedEvent warned = events.get(0);
        assertEquals(3L << 20, warned.getLong("bytes"));
        assertEquals(1L << 20, warned.getLong("limit"));
        assertEquals("jfr warned", warned.getString("what"));
        assertEquals("WARNED", warned.getString("decision"));
        assertTrue(warned.getStackTrace().getFrames().stream()
            .anyMatch(f -> f.getMethod().getType().getName().equals(getClass().getName())),
            "the event carries the allocating thread's stack");
        final RecordedEvent blocked = events.get(1);
        assertEquals(5L << 20, blocked.getLong("bytes"));
        assertEquals("jfr blocked", blocked.getString("what"));
        assertEquals("BLOCKED", blocked.getString("decision"));
    }
}
