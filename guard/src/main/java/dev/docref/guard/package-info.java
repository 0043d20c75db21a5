/**
 * {@link dev.docref.guard.AllocationGuard}: one place that sees every large allocation before it happens, says so
 * loudly ({@link dev.docref.guard.GuardMode#WARN}) or refuses it ({@link dev.docref.guard.GuardMode#BLOCK}), per
 * allocation and against a total budget.
 * <p>
 * What lives here: the guard and its modes, decisions, events, listeners and exception;
 * {@link dev.docref.guard.ResizeForecast}, which predicts the next resize of a {@code java.util.HashMap}, an
 * open-addressing primitive map or a hashbrown-style table; {@link dev.docref.guard.PropertyValues}, which parses
 * every docref property value (sizes, durations, booleans, enums) for this module and for {@code trap};
 * {@link dev.docref.guard.DaemonThreads}, which makes every thread docref starts (no inherited thread-locals, no
 * context class loader) for all three modules; the
 * {@link dev.docref.guard.AllocationGuardMXBean}; and the JFR event {@code dev.docref.AllocationGuard}. This module
 * depends on no other docref module; {@code core} and {@code trap} depend on it.
 *
 * <h2>Thread-safety</h2>
 * {@code AllocationGuard} is thread-safe and meant to be shared: {@code check} reads one volatile, immutable
 * configuration snapshot and bumps striped counters; {@code reserve}/{@code release} are compare-and-set loops on one
 * counter; reconfiguration (method, file watcher thread, MXBean) is serialised and swaps a whole snapshot.
 * Listeners run on the allocating thread. {@code ResizeForecast}, {@code AllocationEvent} and
 * {@code PropertyValues} and {@code DaemonThreads} are immutable or stateless.
 */
package dev.docref.guard;
