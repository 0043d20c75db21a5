package dev.docref.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docref.disable.bounds.checks} takes true or false; anything else fails every map's build loudly, naming it,
 * and leaves the checks on. Each case runs in a JVM of its own, as the property is read once per JVM.
 */
class BoundsCheckPropertyTest
{
    /**
     * A bad value used to throw from {@code OffHeap}'s class initialiser: the first map failed with
     * {@link ExceptionInInitializerError}, whose message did not name the property, and every later one with
     * {@link NoClassDefFoundError} "Could not initialize class dev.docref.core.Directory".
     */
    @Test
    void aValueOtherThanTrueOrFalseFailsEveryBuildNamingThePropertyAndLeavesTheChecksOn() throws Exception
    {
        final Run yes = run("yes");
        assertEquals(0, yes.exitCode, yes.output);
        final String refused = "java.lang.IllegalArgumentException: docref.disable.bounds.checks = \"yes\" is not a " +
            "boolean; accepted: true or false (case-insensitive). docref read it once";
        assertTrue(yes.output.contains("build 1: " + refused), yes.output);
        assertTrue(yes.output.contains("build 2: " + refused), yes.output);
        assertTrue(yes.output.contains("bounds checks: true"), yes.output);

        final Run off = run("TRUE");
        assertEquals(0, off.exitCode, off.output);
        assertTrue(off.output.contains("build 1: ok") && off.output.contains("build 2: ok"), off.output);
        assertTrue(off.output.contains("bounds checks: false"), off.output);
    }

    private static Run run(final String value) throws IOException, InterruptedException
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final Process process = new ProcessBuilder(List.of(java, "-Ddocref.disable.bounds.checks=" + value,
            "-cp", System.getProperty("java.class.path"), Probe.class.getName()))
            .redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe JVM ended");
        return new Run(process.exitValue(), output);
    }

    private static final class Run
    {
        final int exitCode;
        final String output;

        Run(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    /** Builds a map twice, printing what each build did, then whether bounds checks are on. */
    public static final class Probe
    {
        public static void main(final String[] args)
        {
            for (int build = 1; build <= 2; build++)
            {
                try (PresizedDocRefMap map = PresizedDocRefMap.withCapacity(10))
                {
                    map.put(1, 2);
                    System.out.println("build " + build + ": ok");
                }
                catch (final Throwable ex)
                {
                    System.out.println("build " + build + ": " + ex);
                }
            }
            try
            {
                System.out.println("bounds checks: " + OffHeap.SHOULD_BOUNDS_CHECK);
            }
            catch (final Throwable ex)
            {
                System.out.println("bounds checks: " + ex);
            }
        }
    }
}
