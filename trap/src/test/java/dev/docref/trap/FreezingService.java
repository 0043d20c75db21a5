package dev.docref.trap;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A child JVM that freezes on purpose, for the real off-CPU capture test: a tiny TCP health endpoint (a line in,
 * {@code ok} out) that takes the service's monitor, and after a healthy period one thread that holds that monitor
 * for a while as others block on it. Like requests reaching a frozen service, a new {@code blocked-N} thread
 * arrives every {@code ARRIVAL_MILLIS} while the freeze lasts: an off-CPU tool records a wait when the thread runs
 * again, and only if it saw the thread leave the CPU, so threads that blocked before the tool attached would not
 * show.
 * <p>
 * Prints {@code PORT n} when it listens, {@code FREEZE <epoch millis>} / {@code THAW <epoch millis>} around the
 * freeze, and {@code BLOCKS blocked-N <epoch millis>} as each {@code blocked-N} thread is about to block. Exits when
 * its standard input closes, so it never outlives the test.
 * <p>
 * Arguments: {@code HEALTHY_MILLIS FREEZE_MILLIS ARRIVAL_MILLIS}.
 */
public final class FreezingService
{
    private static final Object LOCK = new Object();

    private FreezingService()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final long healthyMillis = Long.parseLong(args[0]);
        final long freezeMillis = Long.parseLong(args[1]);
        final long arrivalMillis = Long.parseLong(args[2]);

        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread health = new Thread(() -> serve(server), "health");
        health.setDaemon(true);
        health.start();
        System.out.println("PORT " + server.getLocalPort());
        System.out.flush();

        final Thread watchStdin = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // Wait for the parent to close our stdin (or die).
                }
            }
            catch (final IOException ex)
            {
                // Parent gone.
            }
            Runtime.getRuntime().halt(0);
        }, "stdin-watch");
        watchStdin.setDaemon(true);
        watchStdin.start();

        Thread.sleep(healthyMillis);
        final Thread holder = new Thread(() ->
        {
            synchronized (LOCK)
            {
                System.out.println("FREEZE " + System.currentTimeMillis());
                System.out.flush();
                try
                {
                    Thread.sleep(freezeMillis);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                System.out.println("THAW " + System.currentTimeMillis());
                System.out.flush();
            }
        }, "holder");
        holder.start();
        for (int i = 0; holder.isAlive(); i++)
        {
            Thread.sleep(arrivalMillis);
            new Thread(() ->
            {
                // When this thread blocks, give or take a preemption: a tool sees its wait only if attached by then.
                System.out.println("BLOCKS " + Thread.currentThread().getName() + " " + System.currentTimeMillis());
                System.out.flush();
                synchronized (LOCK)
                {
                    LOCK.hashCode();
                }
            }, "blocked-" + i).start();
        }
        holder.join();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void serve(final ServerSocket server)
    {
        while (true)
        {
            try (Socket socket = server.accept())
            {
                final BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                in.readLine();
                synchronized (LOCK)
                {
                    final OutputStream out = socket.getOutputStream();
                    out.write("ok\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            catch (final IOException ex)
            {
                // A probe that gave up; serve the next.
            }
        }
    }
}
