package dev.docref.core;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code docref.disable.bounds.checks} takes true or false; anything else fails loudly, in a JVM of its own. */
class BoundsCheckPropertyTest
{
    @Test
    void aValueOtherThanTrueOrFalseFailsTheFirstMapNamingTheProperty() throws Exception
    {
        final Run yes = run("yes");
        assertEquals(1, yes.exitCode, yes.output);
        assertTrue(yes.output.contains("docref.disable.bounds.checks") && yes.output.contains("yes") &&
            yes.output.contains("true or false"), yes.output);

        final Run off = run("TRUE");
        assertEquals(0, off.exitCode, off.output);
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

    /** Builds a map, so that the property is read, and prints whether bounds checks are on. */
    public static final class Probe
    {
        public static void main(final String[] args)
        {
            try (PresizedDocRefMap map = PresizedDocRefMap.withCapacity(10))
            {
                map.put(1, 2);
                System.out.println("bounds checks: " + OffHeap.SHOULD_BOUNDS_CHECK);
            }
            catch (final Throwable ex)
            {
                ex.printStackTrace(System.out);
                System.exit(1);
            }
        }
    }
}
