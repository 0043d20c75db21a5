package dev.docref.guard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Collects what {@code AllocationGuard} logs through {@link System.Logger}, which the JDK's default finder routes to
 * {@code java.util.logging} under the same name, while it is open.
 */
final class CapturedLog extends Handler implements AutoCloseable
{
    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger would lose the handler. */
    private final Logger logger = Logger.getLogger("dev.docref.guard.AllocationGuard");
    private final List<LogRecord> records = new ArrayList<>();

    CapturedLog()
    {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    public synchronized void publish(final LogRecord record)
    {
        records.add(record);
    }

    /** @return the messages logged at {@code WARNING} so far. */
    synchronized List<String> warnings()
    {
        return records.stream()
            .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
            .map(r -> r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()))
            .collect(Collectors.toList());
    }

    /** Wait, up to a generous bound, for a warning that matches. */
    String awaitWarning(final Predicate<String> matching, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            for (final String warning : warnings())
            {
                if (matching.test(warning))
                {
                    return warning;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no matching warning within " + timeout + "; warnings: " + warnings());
    }

    public void flush()
    {
    }

    public void close()
    {
        logger.removeHandler(this);
    }
}
