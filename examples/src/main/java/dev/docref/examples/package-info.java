/**
 * Runnable examples of docref, and the main demo.
 * <ul>
 *     <li>{@link dev.docref.examples.IncidentReplay}: replays the feed-index incident side by side, one ingest thread
 *     and query threads on {@code java.util.HashMap} and fastutil {@code Long2LongOpenHashMap} (behind a read-write
 *     lock) and on {@code PresizedDocRefMap} (no lock), with the allocation guard and the freeze trap running, and
 *     writes {@code incident-report.html}. Its parts: {@code ReplayOptions} (the command line), {@code FeedIndex}
 *     (the maps), {@code ReplayPhase} (one map's run), {@code PhaseTrap} (its trap and captures),
 *     {@code HeapBudget}, {@code PhaseResult} and {@code IncidentReport} (table, CSV, SVG chart, HTML).
 *     {@code DirectoryArgument} checks its {@code --out} and the small examples' {@code DIR};
 *     {@code TrapCaptures} follows a trap's captures, complete or failed part way, for it and {@code CatchAFreeze};
 *     an {@code ExampleFailure} is a failure an example expects, printed as one line with exit status 1.</li>
 *     <li>{@link dev.docref.examples.QuickStart}: {@code withCapacity}, put, get, close.</li>
 *     <li>{@link dev.docref.examples.GuardConfiguration}: an allocation guard from a watched properties file,
 *     reconfigured at run time and through JMX.</li>
 *     <li>{@link dev.docref.examples.CatchAFreeze}: a freeze trap with a health probe catching a lock held too
 *     long.</li>
 * </ul>
 * Each is a {@code main} in {@code examples/target/incident-replay.jar}; {@code src/site/markdown/demo.md} explains
 * the demo and how to read its report.
 * <p>
 * <b>Thread-safety:</b> every example is a program run from its {@code main}; none is meant to be shared. A replay
 * reconfigures the process-wide {@code AllocationGuard.global()} while it runs, so run one at a time per JVM. Each
 * example owns and closes the maps, guards and traps it creates.
 */
package dev.docref.examples;
