package dev.docref.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public method that reads or writes the map's native memory calls {@code Reference.reachabilityFence}, so
 * that a map its caller has dropped is not freed by its {@code Cleaner} while the method runs. The race itself (the
 * JIT ending the map's liveness before the last slot access, and a GC and the Cleaner falling in that window) cannot
 * be provoked deterministically, so this test reads the compiled methods instead, with {@code javap}.
 */
class ReachabilityFenceTest
{
    private static final String FENCE = "java/lang/ref/Reference.reachabilityFence";

    /** {@code clear()} zeroed the segments without the fence the other methods have. */
    @Test
    void everyPublicMethodThatTouchesNativeMemoryHasAReachabilityFence()
    {
        final String map = disassemble(PresizedDocRefMap.class);
        for (final String method : List.of("public long get(long);", "public boolean containsKey(long);",
            "public long put(long, long);", "public long putIfAbsent(long, long);", "public long remove(long);",
            "public void clear();"))
        {
            assertTrue(body(map, method).contains(FENCE), method + " has no reachability fence");
        }
        assertTrue(body(disassemble(PresizedDocRefMap.Cursor.class), "public boolean next();").contains(FENCE),
            "Cursor.next() has no reachability fence");
    }

    private static String disassemble(final Class<?> type)
    {
        final ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow(
            () -> new AssertionError("this test needs javap (module jdk.jdeps): run it on a JDK"));
        final StringWriter out = new StringWriter();
        final int exit = javap.run(new PrintWriter(out), new PrintWriter(out), "-c", "-p", "-cp",
            System.getProperty("java.class.path"), type.getName());
        assertEquals(0, exit, out::toString);
        return out.toString();
    }

    /** The disassembled body of the method whose declaration line is {@code declaration}, up to the next blank line. */
    private static String body(final String disassembly, final String declaration)
    {
        final int start = disassembly.indexOf("  " + declaration + "\n");
        assertTrue(start >= 0, () -> declaration + " not found");
        final int end = disassembly.indexOf("\n\n", start);
        return disassembly.substring(start, end < 0 ? disassembly.length() : end);
    }
}
