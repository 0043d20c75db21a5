package dev.docref.examples;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import dev.docref.guard.PropertyValues;

import org.HdrHistogram.Histogram;

import static dev.docref.trap.FlameGraph.escapeXml;

/**
 * Renders the results of {@link IncidentReplay}: the side-by-side table (text for the terminal, HTML, CSV), the
 * notes under it, the SVG chart of query latency over time, and {@code incident-report.html}, which holds them all
 * and links each capture's flame graph.
 * <p>
 * The chart has one panel per map on a shared time axis (seconds from the start of each measured phase) and a
 * shared logarithmic latency axis. In each panel: the worst query latency of each 10 ms (blue; queries are placed by
 * when they were due), the longest put of each 10 ms (grey), the single longest put as a shaded band, each
 * allocation-guard warning (orange, dashed) and each trap capture (red; in the HTML a link to its flame graph).
 * <p>
 * <b>Thread-safety:</b> immutable after construction; the output is a pure function of the results.
 */
final class IncidentReport
{
    /** The table's columns, in order; the first is the map. */
    static final List<String> COLUMNS = List.of("Map", "Worst put", "Query p99", "Query p99.9", "Query max",
        "Largest allocation", "Bytes/entry", "Heap used", "Off-heap");

    private static final int WIDTH = 1000;
    private static final int LEFT = 78;
    private static final int RIGHT = 24;
    private static final int HEADER = 70;
    private static final int PANEL_TITLE = 24;
    private static final int PLOT_HEIGHT = 130;
    private static final int PANEL_AXIS = 30;
    private static final int LEGEND = 90;
    private static final String QUERY_COLOUR = "#1f5fbf";
    private static final String PUT_COLOUR = "#8c8c8c";
    private static final String GUARD_COLOUR = "#e08a00";
    private static final String TRAP_COLOUR = "#d62728";
    /** Width of one character of a bold 12 px marker label, for placing labels apart. */
    private static final double LABEL_CHAR_WIDTH = 7.0;
    private static final int LABEL_ROWS = 6;
    /**
     * What a timed put holds besides the map and its lock, and what the ingest does outside the timed puts: the
     * "Worst put" column's caveat, in the notes under the table and in the HTML.
     */
    static final String WHAT_PUTS_HOLD = "A docref put includes the guard's check of each allocation the map " +
        "makes in it (and, over the limit, its warning); a doubling map's resize is shown to the guard between " +
        "puts, and that check, the wait for the trap and the arming delay are the ingest's time between puts, " +
        "outside every timed put.";
    private static final double[] TIME_STEPS = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800 };

    private final ReplayOptions options;
    private final List<PhaseResult> results;
    private final Instant started;
    private final String environment;
    private final Path outDir;

    IncidentReport(
        final ReplayOptions options, final List<PhaseResult> results, final Instant started,
        final String environment, final Path outDir)
    {
        this.options = options;
        this.results = List.copyOf(results);
        this.started = started;
        this.environment = environment;
        this.outDir = outDir;
    }

    // ---- the table ------------------------------------------------------------------------------------------

    /** @return one row of cells per map, in {@link #COLUMNS} order. */
    List<List<String>> rows()
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final PhaseResult result : results)
        {
            final Histogram queries = result.queries();
            rows.add(List.of(
                result.kind().title,
                ReplayPhase.formatNanos(result.phase().worstPutNanos()),
                ReplayPhase.formatNanos(queries.getValueAtPercentile(99)),
                ReplayPhase.formatNanos(queries.getValueAtPercentile(99.9)),
                ReplayPhase.formatNanos(queries.getMaxValue()),
                PropertyValues.formatBytes(result.largestAllocation()) +
                    (result.largestNativeAllocation() >= result.largestHeapAllocation() &&
                        result.largestNativeAllocation() > 0 ? " native" : " heap"),
                String.format(Locale.ROOT, "%.1f", result.bytesPerEntry()),
                PropertyValues.formatBytes(result.heapBytes()),
                PropertyValues.formatBytes(result.offHeapBytes())));
        }
        return rows;
    }

    /** @return the table for the terminal, columns aligned, numbers right-aligned. */
    String textTable()
    {
        final List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        rows.addAll(rows());
        final int[] widths = new int[COLUMNS.size()];
        for (final List<String> row : rows)
        {
            for (int c = 0; c < widths.length; c++)
            {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        final StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "Replay of %,d keys, %s:%n%n", options.entries,
            ReplayPhase.describeLoad(options)));
        for (int r = 0; r < rows.size(); r++)
        {
            final List<String> row = rows.get(r);
            for (int c = 0; c < widths.length; c++)
            {
                final String cell = row.get(c);
                final String pad = " ".repeat(widths[c] - cell.length());
                text.append(c == 0 ? cell + pad : "  " + pad + cell);
            }
            text.append('\n');
            if (r == 0)
            {
                for (int c = 0; c < widths.length; c++)
                {
                    text.append(c == 0 ? "" : "  ").append("-".repeat(widths[c]));
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    /** @return the notes under the table: what the columns mean, the guard's warnings, the trap's captures. */
    String notes()
    {
        final StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "Worst put: the longest single put, lock included. %s Query " +
            "latency runs from when each query was due, so queries stuck behind a frozen one count their wait. " +
            "Largest allocation: the ingest thread's largest heap array (JFR jdk.ObjectAllocationOutsideTLAB) or " +
            "the map's largest native block. Bytes/entry: heap used after GC (minus before the map) plus off-heap, " +
            "per entry.%n%nAllocation guard (WARN, single-allocation limit %s):%n", WHAT_PUTS_HOLD,
            PropertyValues.formatBytes(options.guardLimit())));
        for (final PhaseResult result : results)
        {
            final List<ReplayPhase.GuardWarning> warnings = result.phase().warnings();
            if (warnings.isEmpty())
            {
                text.append(String.format(Locale.ROOT, "  %-32s no warning: largest allocation %s%n",
                    result.kind().title + ":", PropertyValues.formatBytes(result.largestAllocation())));
            }
            for (final ReplayPhase.GuardWarning warning : warnings)
            {
                text.append(String.format(Locale.ROOT, "  %-32s warned at %s: %s for [%s]%n",
                    result.kind().title + ":", seconds(warning.atNanos()), warning.describe(), warning.what()));
            }
            final String insidePuts = insidePuts(result);
            if (!insidePuts.isEmpty())
            {
                text.append(String.format(Locale.ROOT, "  %-32s %s%n", "", insidePuts));
            }
        }
        text.append("Freeze trap:\n");
        for (final PhaseResult result : results)
        {
            if (result.captures().isEmpty())
            {
                text.append(String.format(Locale.ROOT, "  %-32s no capture: %s%n", result.kind().title + ":",
                    noCapture(result)));
            }
            for (final PhaseResult.CaptureRecord capture : result.captures())
            {
                text.append(String.format(Locale.ROOT, "  %-32s fired (%s) at %s; its window holds the longest put " +
                    "of %s; trap: %s%n  %-32s %s%n", result.kind().title + ":", capture.trigger(),
                    seconds(capture.atNanos()), ReplayPhase.formatNanos(longestPutDuring(result, capture)),
                    capture.failed() ? "capture failed part way" : capture.stall().isEmpty() ? "capture incomplete" :
                        capture.stall(), "", capture.failed() ? "no flame graph; what failed: " + capture.failure() :
                        capture.complete() ? "flame graph: " + capture.flameGraph() : "not finished when the phase " +
                        "ended; its flame graph, once written: " + capture.flameGraph()));
            }
        }
        final PhaseResult docref = find(FeedIndex.Kind.DOCREF);
        if (docref != null)
        {
            for (final PhaseResult result : results)
            {
                if (result.kind().doubles())
                {
                    final double ratio = (double)result.phase().worstPutNanos() /
                        Math.max(1, docref.phase().worstPutNanos());
                    // Whole numbers from 10x up; below, two significant digits, so a small run's 0.077x is not "0x".
                    text.append(String.format(Locale.ROOT, ratio >= 10 ? "%s's worst put is %,.0fx docref's.%n" :
                        "%s's worst put is %.2gx docref's.%n", result.kind().title, ratio));
                }
            }
        }
        return text.toString();
    }

    /**
     * @return for a map whose own puts made guard warnings (a docref map whose blocks cross the limit), how many,
     * and that their work is in those puts' times; {@code ""} for none.
     */
    private static String insidePuts(final PhaseResult result)
    {
        final long inside = result.phase().warningsInsidePuts();
        if (inside == 0)
        {
            return "";
        }
        final long elsewhere = result.phase().warnings().size() - inside;
        return String.format(Locale.ROOT, "%d of these warnings %s made inside its puts%s: the guard's work for " +
            "them (listeners, the trap's start, the log with a stack trace) is timed in those puts%s, not between " +
            "puts as the doubling maps' resize checks are.", inside, inside == 1 ? "was" : "were",
            elsewhere == 0 ? "" : String.format(Locale.ROOT, " (%d on other threads: %s)", elsewhere,
                result.phase().warnings().stream().filter(warning -> !warning.insidePut())
                    .map(ReplayPhase.GuardWarning::thread).distinct().collect(Collectors.joining(", "))),
            result.phase().worstPutHoldsAWarning() ? " (the worst put is one of them)" : "");
    }

    /** @return the figures as CSV, one line per map, nanoseconds and bytes. */
    String csv()
    {
        final StringBuilder csv = new StringBuilder("map,entries,worst_put_ns,query_p99_ns,query_p999_ns," +
            "query_max_ns,queries,largest_heap_allocation_bytes,largest_native_allocation_bytes,bytes_per_entry," +
            "heap_bytes,off_heap_bytes,guard_warnings,captures,longest_stall_ns,ingest_ns,ingest_paused_ns," +
            "largest_guard_warning_bytes,largest_guard_warning_allocation_bytes,guard_warnings_in_puts\n");
        for (final PhaseResult result : results)
        {
            final Histogram queries = result.queries();
            final List<ReplayPhase.GuardWarning> warnings = result.phase().warnings();
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%d,%d,%.2f,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d%n",
                result.kind().id, result.phase().entries(), result.phase().worstPutNanos(),
                queries.getValueAtPercentile(99), queries.getValueAtPercentile(99.9), queries.getMaxValue(),
                queries.getTotalCount(), result.largestHeapAllocation(), result.largestNativeAllocation(),
                result.bytesPerEntry(), result.heapBytes(), result.offHeapBytes(), warnings.size(),
                result.captures().size(), result.longestStallNanos(), result.phase().ingestNanos(),
                result.phase().ingestPauseNanos(),
                warnings.stream().mapToLong(ReplayPhase.GuardWarning::bytes).max().orElse(0),
                warnings.stream().mapToLong(ReplayPhase.GuardWarning::largestBytes).max().orElse(0),
                result.phase().warningsInsidePuts()));
        }
        return csv.toString();
    }

    // ---- the chart ------------------------------------------------------------------------------------------

    /** @return the chart, a self-contained SVG document. */
    String svg()
    {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svgElement();
    }

    private String svgElement()
    {
        final int panelHeight = PANEL_TITLE + PLOT_HEIGHT + PANEL_AXIS;
        final int height = HEADER + results.size() * panelHeight + LEGEND;
        final int plotWidth = WIDTH - LEFT - RIGHT;
        long maxNanos = 1;
        long maxLatency = 10_000_000L;
        long minLatency = Long.MAX_VALUE;
        for (final PhaseResult result : results)
        {
            maxNanos = Math.max(maxNanos, result.phase().durationNanos());
            for (final long[] series : List.of(result.queryTimeline(), result.phase().putTimeline()))
            {
                for (final long value : series)
                {
                    if (value > 0)
                    {
                        maxLatency = Math.max(maxLatency, value);
                        minLatency = Math.min(minLatency, value);
                    }
                }
            }
        }
        final double seconds = maxNanos / 1e9;
        final int lowDecade = Math.max(2, (int)Math.floor(Math.log10(Math.max(minLatency == Long.MAX_VALUE ? 1000 :
            minLatency, 100))));
        final int highDecade = Math.max(lowDecade + 1, (int)Math.ceil(Math.log10(maxLatency)));

        final StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" " +
            "xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\" width=\"%d\" height=\"%d\" " +
            "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">%n", WIDTH, height,
            WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n",
            WIDTH, height));
        text(svg, LEFT, 24, "start", "font-size=\"17\" font-weight=\"bold\"",
            "Query latency while the feed index grows: the freeze, and the freeze gone");
        text(svg, LEFT, 44, "start", "fill=\"#444\"", String.format(Locale.ROOT, "%,d random keys; %s.",
            options.entries, ReplayPhase.describeLoad(options)));
        text(svg, LEFT, 60, "start", "fill=\"#444\"", String.format(Locale.ROOT, "Run %s on %s.",
            started.truncatedTo(ChronoUnit.SECONDS), environment));

        for (int p = 0; p < results.size(); p++)
        {
            final PhaseResult result = results.get(p);
            final int top = HEADER + p * panelHeight + PANEL_TITLE;
            final int bottom = top + PLOT_HEIGHT;
            final Scale scale = new Scale(LEFT, plotWidth, seconds, top, PLOT_HEIGHT, lowDecade, highDecade);
            text(svg, LEFT, top - 8, "start", "font-weight=\"bold\"", String.format(Locale.ROOT,
                "%s: worst put %s, query p99.9 %s, query max %s", result.kind().title,
                ReplayPhase.formatNanos(result.phase().worstPutNanos()),
                ReplayPhase.formatNanos(result.queries().getValueAtPercentile(99.9)),
                ReplayPhase.formatNanos(result.queries().getMaxValue())));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" " +
                "fill=\"#fafafa\" stroke=\"#bbb\"/>%n", LEFT, top, plotWidth, PLOT_HEIGHT));
            for (int decade = lowDecade; decade <= highDecade; decade++)
            {
                final double y = scale.y(Math.pow(10, decade));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" " +
                    "stroke=\"#e3e3e3\"/>%n", LEFT, y, LEFT + plotWidth, y));
                text(svg, LEFT - 6, y + 4, "end", "fill=\"#444\"", decadeLabel(decade));
            }
            final double step = timeStep(seconds);
            for (double t = 0; t <= seconds + 1e-9; t += step)
            {
                final double x = scale.x(t);
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" " +
                    "stroke=\"#bbb\"/>%n", x, bottom, x, bottom + 4));
                text(svg, x, bottom + 16, "middle", "fill=\"#444\"", timeLabel(t, step));
            }
            // The longest put, as a band from its start to its end.
            final double bandStart = scale.x(result.phase().worstPutStartNanos() / 1e9);
            final long worstPutEnd = result.phase().worstPutStartNanos() + result.phase().worstPutNanos();
            final double bandEnd = scale.x(worstPutEnd / 1e9);
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" " +
                "fill=\"%s\" fill-opacity=\"0.22\"><title>longest put: %s</title></rect>%n", bandStart, top,
                Math.max(2.0, bandEnd - bandStart), PLOT_HEIGHT, PUT_COLOUR,
                ReplayPhase.formatNanos(result.phase().worstPutNanos())));
            for (final long[] pause : result.phase().ingestPauses())
            {
                final double from = scale.x(pause[0] / 1e9);
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"6\" " +
                    "fill=\"%s\" fill-opacity=\"0.5\"><title>the ingest waited %s for the trap (queries went on)" +
                    "</title></rect>%n", from, bottom - 6, Math.max(1.0, scale.x(pause[1] / 1e9) - from),
                    GUARD_COLOUR, ReplayPhase.formatNanos(pause[1] - pause[0])));
            }
            series(svg, scale, result.phase().putTimeline(), result.phase().durationNanos(), maxNanos, PUT_COLOUR,
                "1");
            series(svg, scale, result.queryTimeline(), result.phase().durationNanos(), maxNanos, QUERY_COLOUR,
                "1.5");
            final List<double[]> labels = new ArrayList<>();
            for (final ReplayPhase.GuardWarning warning : result.phase().warnings())
            {
                final double x = scale.x(warning.atNanos() / 1e9);
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" " +
                    "stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"><title>%s</title></line>%n", x, top, x,
                    bottom, GUARD_COLOUR, escapeXml(warning.forecast() == null ? warning.what() : warning.forecast())));
                markerLabel(svg, x, top, labels, scale, GUARD_COLOUR,
                    "guard: " + PropertyValues.formatBytes(warning.bytes()), null);
            }
            for (final PhaseResult.CaptureRecord capture : result.captures())
            {
                final double x = scale.x(Math.max(0, capture.atNanos()) / 1e9);
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" " +
                    "stroke=\"%s\" stroke-width=\"2\"/>%n", x, top, x, bottom, TRAP_COLOUR));
                markerLabel(svg, x, top, labels, scale, TRAP_COLOUR, "trap (" + capture.trigger() + "): " +
                    (capture.failed() ? "failed" : "flame graph"),
                    link(capture.failed() ? capture.failure() : capture.flameGraph()));
            }
        }
        legend(svg, HEADER + results.size() * panelHeight + 12, plotWidth);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private void legend(final StringBuilder svg, final int top, final int plotWidth)
    {
        final int x = LEFT;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " +
            "stroke-width=\"1.5\"/>%n", x, top, x + 24, top, QUERY_COLOUR));
        text(svg, x + 30, top + 4, "start", "", "worst query latency in each 10 ms, by when the query was due");
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\"/>%n",
            x + plotWidth / 2 + 40, top, x + plotWidth / 2 + 64, top, PUT_COLOUR));
        text(svg, x + plotWidth / 2 + 70, top + 4, "start", "", "longest put in each 10 ms");
        final int second = top + 20;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"10\" fill=\"%s\" " +
            "fill-opacity=\"0.22\"/>%n", x, second - 5, PUT_COLOUR));
        text(svg, x + 30, second + 4, "start", "", "the longest put");
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " +
            "stroke-width=\"1.5\" stroke-dasharray=\"5,3\"/>%n", x + 150, second, x + 174, second, GUARD_COLOUR));
        text(svg, x + 180, second + 4, "start", "", "allocation guard warning (before the resize)");
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " +
            "stroke-width=\"2\"/>%n", x + plotWidth / 2 + 40, second, x + plotWidth / 2 + 64, second, TRAP_COLOUR));
        text(svg, x + plotWidth / 2 + 70, second + 4, "start", "", "freeze trap fired: a capture (links to its " +
            "flame graph)");
        final int third = second + 20;
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"24\" height=\"6\" fill=\"%s\" " +
            "fill-opacity=\"0.5\"/>%n", x, third - 3, GUARD_COLOUR));
        text(svg, x + 30, third + 4, "start", "", "ingest paused around a guard warning: waiting for the trap to be " +
            "free, then for its profiler to attach (queries go on)");
        text(svg, x, third + 24, "start", "fill=\"#444\"", "Time: seconds from the start of each map's measured " +
            "phase. Latency: logarithmic. Each map ran on its own, one after the other, on the same keys.");
    }

    private static void series(
        final StringBuilder svg, final Scale scale, final long[] timeline, final long durationNanos,
        final long maxNanos, final String colour, final String width)
    {
        final int columns = (int)Math.round(scale.width);
        final StringBuilder path = new StringBuilder();
        boolean drawing = false;
        for (int c = 0; c < columns; c++)
        {
            final long from = (long)((double)c / columns * maxNanos);
            final long to = (long)((double)(c + 1) / columns * maxNanos);
            if (from >= durationNanos)
            {
                break;
            }
            final int first = ReplayPhase.bucket(from, timeline.length);
            final int last = Math.max(first, ReplayPhase.bucket(to - 1, timeline.length));
            long value = 0;
            for (int b = first; b <= last; b++)
            {
                value = Math.max(value, timeline[b]);
            }
            if (value <= 0)
            {
                drawing = false;
                continue;
            }
            path.append(drawing ? " L" : " M").append(String.format(Locale.ROOT, "%.1f,%.1f",
                scale.left + c + 0.5, scale.y(value)));
            drawing = true;
        }
        if (path.length() > 0)
        {
            svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" " +
                "stroke-width=\"%s\" stroke-linejoin=\"round\"/>%n", path.toString().trim(), colour, width));
        }
    }

    /**
     * Writes a marker's label in the first row, from the top of the plot down, where it overlaps no label already
     * placed in {@code placed} ({@code [from x, to x, row]}); right of the line, or left of it near the right edge.
     */
    private void markerLabel(
        final StringBuilder svg, final double x, final double top, final List<double[]> placed, final Scale scale,
        final String colour, final String label, final String href)
    {
        final double width = label.length() * LABEL_CHAR_WIDTH;
        final boolean right = x + 4 + width < scale.left + scale.width;
        final double from = right ? x + 4 : x - 4 - width;
        final double to = from + width;
        int row = 0;
        for (boolean clash = true; clash && row < LABEL_ROWS - 1; )
        {
            clash = false;
            for (final double[] other : placed)
            {
                if (other[2] == row && from < other[1] + 6 && other[0] < to + 6)
                {
                    clash = true;
                    row++;
                    break;
                }
            }
        }
        placed.add(new double[] { from, to, row });
        if (href != null)
        {
            svg.append("<a href=\"").append(escapeXml(href)).append("\" xlink:href=\"").append(escapeXml(href))
                .append("\">");
        }
        text(svg, right ? x + 4 : x - 4, top + 13 + 14 * row, right ? "start" : "end",
            "fill=\"" + colour + "\" font-weight=\"bold\"", label);
        if (href != null)
        {
            svg.append("</a>\n");
        }
    }

    private String link(final Path file)
    {
        final Path absolute = file.toAbsolutePath().normalize();
        return absolute.startsWith(outDir) ? outDir.relativize(absolute).toString().replace('\\', '/')
            : absolute.toUri().toString();
    }

    private static void text(
        final StringBuilder svg, final double x, final double y, final String anchor, final String attributes,
        final String text)
    {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>%n", x, y,
            anchor, attributes, escapeXml(text)));
    }

    private static String decadeLabel(final int decade)
    {
        final String[] units = { "ns", "us", "ms", "s" };
        final int unit = Math.min(decade / 3, units.length - 1);
        final long value = Math.round(Math.pow(10, decade - unit * 3));
        return value + " " + units[unit];
    }

    private static double timeStep(final double seconds)
    {
        for (final double step : TIME_STEPS)
        {
            if (seconds / step <= 12)
            {
                return step;
            }
        }
        return TIME_STEPS[TIME_STEPS.length - 1];
    }

    private static String timeLabel(final double t, final double step)
    {
        return step < 1 ? String.format(Locale.ROOT, "%.1f s", t) : String.format(Locale.ROOT, "%.0f s", t);
    }

    private static String seconds(final long nanos)
    {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Coordinates of one panel: seconds to x, nanoseconds (log) to y. */
    private static final class Scale
    {
        final double left;
        final double width;
        final double seconds;
        final double top;
        final double height;
        final double lowDecade;
        final double highDecade;

        Scale(
            final double left, final double width, final double seconds, final double top, final double height,
            final double lowDecade, final double highDecade)
        {
            this.left = left;
            this.width = width;
            this.seconds = seconds;
            this.top = top;
            this.height = height;
            this.lowDecade = lowDecade;
            this.highDecade = highDecade;
        }

        double x(final double t)
        {
            return left + Math.min(1.0, Math.max(0.0, t / seconds)) * width;
        }

        double y(final double nanos)
        {
            final double decade = Math.log10(Math.max(nanos, 1));
            final double f = (Math.min(Math.max(decade, lowDecade), highDecade) - lowDecade) / (highDecade - lowDecade);
            return top + height - f * height;
        }
    }

    // ---- the HTML report ------------------------------------------------------------------------------------

    /** @return {@code incident-report.html}: the table, the chart, the guard's warnings and the trap's captures. */
    String html()
    {
        final StringBuilder html = new StringBuilder(128 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .append("<title>docref incident replay</title>\n<style>\n")
            .append("body { font-family: Helvetica, Arial, sans-serif; max-width: 1040px; margin: 2em auto; ")
            .append("color: #222; line-height: 1.45; }\n")
            .append("table { border-collapse: collapse; margin: 1em 0; }\n")
            .append("th, td { border: 1px solid #ccc; padding: 4px 8px; }\n")
            .append("td { text-align: right; } td:first-child { text-align: left; }\n")
            .append("th { background: #f0f0f0; }\ncode { background: #f4f4f4; padding: 0 3px; }\n")
            .append("</style>\n</head>\n<body>\n<h1>docref incident replay</h1>\n");
        html.append("<p>").append(escapeXml(String.format(Locale.ROOT, "%,d random keys ingested into each map in " +
            "turn while queries read them: %s. Run %s on %s.", options.entries, ReplayPhase.describeLoad(options),
            started.truncatedTo(ChronoUnit.SECONDS), environment))).append("</p>\n<ul>\n");
        for (final PhaseResult result : results)
        {
            html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b>: ")
                .append(escapeXml(result.kind().description)).append("</li>\n");
        }
        html.append("</ul>\n<h2>Results</h2>\n<table>\n<tr>");
        for (final String column : COLUMNS)
        {
            html.append("<th>").append(escapeXml(column)).append("</th>");
        }
        html.append("</tr>\n");
        for (final List<String> row : rows())
        {
            html.append("<tr>");
            for (final String cell : row)
            {
                html.append("<td>").append(escapeXml(cell)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n<p>").append(escapeXml("Worst put: the longest single put, lock included. " +
            WHAT_PUTS_HOLD + " Query latency runs from when each query was due (every thread has a schedule), so " +
            "queries stuck behind a frozen one count their wait. Largest allocation: the ingest thread's largest " +
            "heap array, from JFR's jdk.ObjectAllocationOutsideTLAB events, or the map's largest native block. " +
            "Bytes/entry: heap used after GC (minus before the map existed) plus off-heap, per entry. Heap used " +
            "and off-heap: what the full map holds.")).append("</p>\n");
        html.append("<h2>Query latency over time</h2>\n").append(svgElement());
        html.append("<h2>Allocation guard</h2>\n<p>").append(escapeXml(String.format(Locale.ROOT, "WARN mode, " +
            "single-allocation limit %s. Before the insert that a doubling map's ResizeForecast says will resize " +
            "it, the ingest thread calls AllocationGuard.global().checkResize(forecast, \"%s\"), which counts the " +
            "whole resize against the limit: HashMap's new table, or both of fastutil's new arrays (keys and " +
            "values) together, for which each warning gives the arrays too. A docref map shows the guard each " +
            "native block it allocates.", PropertyValues.formatBytes(options.guardLimit()), ReplayPhase.GUARD_WHAT)))
            .append("</p>\n<ul>\n");
        for (final PhaseResult result : results)
        {
            if (result.phase().warnings().isEmpty())
            {
                html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b>: no warning; its largest " +
                    "allocation was ").append(escapeXml(PropertyValues.formatBytes(result.largestAllocation())))
                    .append(".</li>\n");
            }
            for (final ReplayPhase.GuardWarning warning : result.phase().warnings())
            {
                html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b> at ")
                    .append(seconds(warning.atNanos())).append(": ")
                    .append(escapeXml(warning.describe() + " for [" + warning.what() + "]"))
                    .append(warning.forecast() == null ? "" : ". Forecast: " + escapeXml(warning.forecast()))
                    .append("</li>\n");
            }
            final String insidePuts = insidePuts(result);
            if (!insidePuts.isEmpty())
            {
                html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b>: ")
                    .append(escapeXml(insidePuts)).append("</li>\n");
            }
        }
        html.append("</ul>\n<h2>Freeze trap</h2>\n<p>").append(escapeXml(String.format(Locale.ROOT, "Each measured " +
            "phase ran a FreezeTrap: a health probe (one query through the map's lock) every %d ms with a %d ms " +
            "deadline, the stall detector (threshold %d ms), and arming by the guard's warnings; captures of %d s, " +
            "cooldown %d s. A capture holds an off-CPU profile from BCC's offcputime when the tool and root are " +
            "there, and thread dumps and memory figures always.", PhaseTrap.PROBE_INTERVAL.toMillis(),
            PhaseTrap.PROBE_DEADLINE.toMillis(), PhaseTrap.STALL_THRESHOLD.toMillis(),
            options.captureDuration().toSeconds(), PhaseTrap.COOLDOWN.toSeconds()))).append("</p>\n<ul>\n");
        for (final PhaseResult result : results)
        {
            if (result.captures().isEmpty())
            {
                html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b>: no capture: ")
                    .append(escapeXml(noCapture(result))).append(".</li>\n");
            }
            for (final PhaseResult.CaptureRecord capture : result.captures())
            {
                final String dir = link(capture.directory());
                html.append("<li><b>").append(escapeXml(result.kind().title)).append("</b>: fired (")
                    .append(escapeXml(capture.trigger())).append(") at ").append(seconds(capture.atNanos()))
                    .append("; its window holds the longest put of ")
                    .append(escapeXml(ReplayPhase.formatNanos(longestPutDuring(result, capture))))
                    .append("; ");
                if (capture.failed())
                {
                    // No summary, no flame graph: only what it wrote before it failed, and failure.txt.
                    html.append("the capture failed part way: <a href=\"").append(escapeXml(link(capture.failure())))
                        .append("\">what failed</a>, <a href=\"").append(escapeXml(dir)).append("\">what it holds</a>")
                        .append(".</li>\n");
                }
                else
                {
                    html.append("the trap measured: ").append(escapeXml(capture.stall())).append("; tool: ")
                        .append(escapeXml(capture.tool())).append(". <a href=\"")
                        .append(escapeXml(link(capture.flameGraph()))).append("\">flame graph</a>, ")
                        .append("<a href=\"").append(escapeXml(dir + "/summary.txt")).append("\">summary</a>, ")
                        .append("<a href=\"").append(escapeXml(dir + "/threads.txt")).append("\">thread dumps</a>")
                        .append(capture.complete() ? "" : " (incomplete)").append(".</li>\n");
                }
            }
        }
        html.append("</ul>\n<h2>How to read it</h2>\n<p>").append(escapeXml("In the doubling maps' panels, the blue " +
            "line jumps where a put resizes the table: the put holds the write lock for the whole rehash, so every " +
            "query due during it waits, and the latency of the queries due then falls as a ramp. The orange line " +
            "just before it is the guard's warning, made from the ResizeForecast before the insert that resizes; " +
            "the red line is the trap it armed" + (anyStacks() ? ", whose flame graph shows the query threads off " +
            "the CPU, parked on the lock (futex) while the resize runs." : ". Its flame graph would show the query " +
            "threads off the CPU, parked on the lock (futex) while the resize runs, but no off-CPU tool produced " +
            "stacks in this run (BCC's offcputime, as root, see trap.md), so the captures hold thread dumps and " +
            "memory figures.") + " In the docref panel there is no such jump: a put that grows the map splits one " +
            "segment and allocates one block, and readers never wait for it. See src/site/markdown/demo.md in the " +
            "docref repository.")).append("</p>\n</body>\n</html>\n");
        return html.toString();
    }

    /** @return whether a capture of this run holds off-CPU stacks from a tool, so that its flame graph shows them. */
    private boolean anyStacks()
    {
        return results.stream().flatMap(result -> result.captures().stream())
            .anyMatch(PhaseResult.CaptureRecord::hasStacks);
    }

    /** @return the longest put that started in the capture's window. */
    private long longestPutDuring(final PhaseResult result, final PhaseResult.CaptureRecord capture)
    {
        final long[] timeline = result.phase().putTimeline();
        final int first = ReplayPhase.bucket(capture.atNanos(), timeline.length);
        final int last = ReplayPhase.bucket(capture.atNanos() + options.captureDuration().toNanos(), timeline.length);
        long longest = 0;
        for (int b = first; b <= last; b++)
        {
            longest = Math.max(longest, timeline[b]);
        }
        return longest;
    }

    private static String noCapture(final PhaseResult result)
    {
        return "nothing froze" + (result.longestStallNanos() > 0 ? "; the longest process stall was " +
            ReplayPhase.formatNanos(result.longestStallNanos()) : " long enough for the probe or the stall detector") +
            (result.phase().warnings().isEmpty() ? ", and the guard did not warn" : ", though the guard warned: is " +
                "the trap disabled (docref.trap.enabled=false)?");
    }

    private PhaseResult find(final FeedIndex.Kind kind)
    {
        for (final PhaseResult result : results)
        {
            if (result.kind() == kind)
            {
                return result;
            }
        }
        return null;
    }
}
