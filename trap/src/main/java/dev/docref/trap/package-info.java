/**
 * The freeze trap: {@link dev.docref.trap.FreezeTrap} notices a freeze while it happens (a
 * {@link dev.docref.trap.HealthProbe} past its deadline or failing, the {@link dev.docref.trap.StallDetector}
 * held up, or an allocation guard warning) and captures it: an off-CPU profile of the watched process with BCC's
 * {@code offcputime} ({@code OffCpuProfiler}, which falls back from BCC's Python tool to the libbpf-tools build to
 * a {@code docref.trap.command}), rendered by {@link dev.docref.trap.FlameGraph}, plus thread dumps, memory
 * figures, an optional JFR dump and a summary. {@link dev.docref.trap.TrapCommand} is the {@code docref-trap.jar}
 * command line that watches any process.
 *
 * <h2>Thread-safety</h2>
 * {@code FreezeTrap}, {@code StallDetector}, {@link dev.docref.trap.FoldedStacks} and {@code FlameGraph} are safe
 * from any thread; a {@link dev.docref.trap.StallSplit} (what one stall was made of) is immutable. A trap owns its
 * daemon threads (watchdog, probe, stall detector, capture, profiler, evidence)
 * and its child processes (profiler, {@code jcmd}, probe commands); {@code close()} stops the threads, kills the
 * children and returns once the threads have ended (waiting a bounded time for them). Triggers on any thread only
 * hand off to the single capture thread, so at most one capture runs at a time and a guard listener never waits for
 * I/O. Capture directories belong to the trap's {@code CaptureStore}, which deletes the oldest to stay within
 * {@code docref.trap.max.disk}, but never one that a live process (another JVM sharing the directory) is still
 * writing.
 */
package dev.docref.trap;
