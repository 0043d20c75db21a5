package dev.docref.trap;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM running a {@link FreezeTrap} with only its stall detector, for a test that stops the whole process
 * with SIGSTOP: a real stall, from outside. Its off-CPU "tool" is a command that prints one stack at once.
 * <p>
 * Arguments: {@code DIR}. Prints {@code READY} when watching and {@code CAPTURE <dir>} per capture.
 */
public final class StallingService
{
    private StallingService()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final FreezeTrap trap = FreezeTrap.builder()
            .dir(Path.of(args[0]))
            .stallThreshold(Duration.ofMillis(300))
            .captureDuration(Duration.ofSeconds(1))
            .command("printf 'java;stalled 1\\n'")
            .guardArming(false)
            .onCapture(dir ->
            {
                System.out.println("CAPTURE " + dir);
                System.out.flush();
            })
            .build()
            .start();
        System.out.println("READY " + trap.pid());
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // Until the test closes our stdin.
        }
        trap.close();
    }
}
