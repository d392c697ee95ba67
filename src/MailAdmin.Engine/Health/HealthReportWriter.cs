using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;

namespace MailAdmin.Health;

/// <summary>
/// Turns Test-MailServer results into one self-contained HTML page (no scripts, no
/// outside files, styles inline) that opens anywhere and can be mailed as it is: a
/// summary, a row per target, certificate expiry, latency bars, and the failed checks.
/// </summary>
public static class HealthReportWriter
{
    public static string Write(IReadOnlyList<MailServerHealth> results, string title, DateTimeOffset generated)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(Encode(title)).Append("</title>\n");
        html.Append(Styles);
        html.Append("</head>\n<body>\n");
        html.Append("<h1>").Append(Encode(title)).Append("</h1>\n");
        html.Append("<p class=\"generated\">Generated ").Append(Encode(generated.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)))
            .Append(" by MailAdmin</p>\n");
        WriteSummary(html, results);
        WriteTargets(html, results);
        WriteCertificates(html, results);
        WriteLatency(html, results);
        WriteProblems(html, results);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteSummary(StringBuilder html, IReadOnlyList<MailServerHealth> results)
    {
        html.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"tiles\">\n");
        foreach (var status in new[] { CheckStatus.Pass, CheckStatus.Warning, CheckStatus.Fail })
        {
            var count = results.Count(r => r.Status == status);
            html.Append("<div class=\"tile ").Append(Css(status)).Append("\" data-status=\"").Append(status).Append("\"><span class=\"count\">")
                .Append(count).Append("</span> ").Append(status).Append("</div>\n");
        }
        html.Append("</div>\n<p>").Append(results.Count).Append(results.Count == 1 ? " service checked on " : " services checked on ")
            .Append(results.Select(r => r.Target).Distinct(StringComparer.OrdinalIgnoreCase).Count()).Append(" target(s).</p>\n</section>\n");
    }

    private static void WriteTargets(StringBuilder html, IReadOnlyList<MailServerHealth> results)
    {
        html.Append("<section id=\"targets\">\n<h2>Targets</h2>\n<table>\n<thead><tr><th>Target</th><th>Protocol</th><th>Port</th><th>Status</th><th>Stage</th><th>Latency</th><th>TLS</th><th>Certificate</th></tr></thead>\n<tbody>\n");
        foreach (var r in Ordered(results))
        {
            html.Append("<tr class=\"").Append(Css(r.Status)).Append("\"><td>").Append(Encode(r.Target)).Append("</td><td>").Append(r.Protocol)
                .Append("</td><td class=\"num\">").Append(r.Port).Append("</td><td><span class=\"badge ").Append(Css(r.Status)).Append("\">").Append(r.Status)
                .Append("</span></td><td>").Append(Encode(r.Stage)).Append("</td><td class=\"num\">").Append(Milliseconds(r.Latency))
                .Append("</td><td>").Append(Encode(r.TlsProtocol ?? "none")).Append("</td><td>")
                .Append(r.Certificate == null ? "" : Encode($"{r.Certificate.DaysToExpiry} days")).Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void WriteCertificates(StringBuilder html, IReadOnlyList<MailServerHealth> results)
    {
        var withCertificates = results.Where(r => r.Certificate != null).OrderBy(r => r.Certificate!.DaysToExpiry).ToList();
        html.Append("<section id=\"certificates\">\n<h2>Certificate expiry</h2>\n");
        if (withCertificates.Count == 0)
        {
            html.Append("<p>No certificates were seen (no TLS).</p>\n</section>\n");
            return;
        }
        html.Append("<table>\n<thead><tr><th>Target</th><th>Protocol</th><th>Subject</th><th>Issuer</th><th>Expires</th><th>Days left</th><th>Name</th><th>Chain</th></tr></thead>\n<tbody>\n");
        foreach (var r in withCertificates)
        {
            var c = r.Certificate!;
            var status = c.DaysToExpiry < 0 ? CheckStatus.Fail : r.Checks.FirstOrDefault(k => k.Name == "Certificate expiry")?.Status ?? CheckStatus.Pass;
            html.Append("<tr><td>").Append(Encode(r.Target)).Append("</td><td>").Append(r.Protocol).Append("</td><td>").Append(Encode(c.Subject))
                .Append("</td><td>").Append(Encode(c.Issuer)).Append("</td><td>").Append(c.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
                .Append("</td><td class=\"num\"><span class=\"badge ").Append(Css(status)).Append("\">").Append(c.DaysToExpiry).Append("</span></td><td>")
                .Append(c.NameMatches ? "matches" : "<span class=\"badge fail\">mismatch</span>").Append("</td><td>")
                .Append(c.ChainValid ? "valid" : Encode(string.Join(", ", c.ChainErrors.DefaultIfEmpty("invalid")))).Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>Horizontal bars scaled to the slowest connect; pure CSS widths, so no script is needed.</summary>
    private static void WriteLatency(StringBuilder html, IReadOnlyList<MailServerHealth> results)
    {
        var measured = Ordered(results).Where(r => Measured(r.Latency)).ToList();
        html.Append("<section id=\"latency\">\n<h2>Connect latency</h2>\n");
        if (measured.Count == 0)
        {
            html.Append("<p>No target could be reached.</p>\n</section>\n");
            return;
        }
        var slowest = Math.Max(1.0, measured.Max(r => r.Latency!.Value.TotalMilliseconds));
        html.Append("<div class=\"bars\">\n");
        foreach (var r in measured)
        {
            var ms = r.Latency!.Value.TotalMilliseconds;
            var width = Math.Max(1.0, ms / slowest * 100.0);
            // The bar sits in a track of its own, so every bar starts and scales alike and the
            // value column (fixed width, no wrap) lines up and keeps "ms" with its number.
            html.Append("<div class=\"bar-row\"><span class=\"bar-label\">").Append(Encode($"{r.Target} {r.Protocol}")).Append("</span><span class=\"bar-track\"><span class=\"bar ")
                .Append(Css(r.Status)).Append("\" style=\"width:").Append(width.ToString("0.0", CultureInfo.InvariantCulture)).Append("%\"></span></span><span class=\"bar-value\">")
                .Append(Milliseconds(r.Latency)).Append("</span></div>\n");
        }
        html.Append("</div>\n</section>\n");
    }

    private static void WriteProblems(StringBuilder html, IReadOnlyList<MailServerHealth> results)
    {
        html.Append("<section id=\"problems\">\n<h2>Failures and warnings</h2>\n");
        var problems = Ordered(results).SelectMany(r => r.Checks.Where(c => c.Status != CheckStatus.Pass).Select(c => (r, c))).ToList();
        if (problems.Count == 0)
        {
            html.Append("<p>Every check passed.</p>\n</section>\n");
            return;
        }
        html.Append("<ul>\n");
        foreach (var (r, c) in problems)
            html.Append("<li class=\"").Append(Css(c.Status)).Append("\"><span class=\"badge ").Append(Css(c.Status)).Append("\">").Append(c.Status).Append("</span> ")
                .Append(Encode($"{r.Target} {r.Protocol}:{r.Port} — {c.Name}: {c.Detail}")).Append("</li>\n");
        html.Append("</ul>\n</section>\n");
    }

    /// <summary>Worst first, so what needs attention is at the top.</summary>
    private static IEnumerable<MailServerHealth> Ordered(IEnumerable<MailServerHealth> results) =>
        results.OrderByDescending(r => r.Status).ThenBy(r => r.Target, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Protocol);

    /// <summary>A check that never connected has no latency (or a zero one): it shows nothing, not "0 ms".</summary>
    private static bool Measured(TimeSpan? value) => value.HasValue && value.Value > TimeSpan.Zero;

    // Loopback checks take well under a millisecond: those keep one decimal (at least 0.1), so a
    // measured latency never reads as the "0 ms" of an unmeasured one.
    private static string Milliseconds(TimeSpan? value)
    {
        if (!Measured(value)) return "";
        double ms = value!.Value.TotalMilliseconds;
        var text = ms < 10 ? Math.Max(0.1, ms).ToString("0.#", CultureInfo.InvariantCulture) : ms.ToString("0", CultureInfo.InvariantCulture);
        return text + "\u00a0ms";
    }

    private static string Css(CheckStatus status) => status.ToString().ToLowerInvariant();

    private static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    private const string Styles = @"<style>
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
h1 { margin-bottom: 0.2em; } .generated { color: #666; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; } th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tiles { display: flex; gap: 1em; } .tile { padding: 0.8em 1.2em; border-radius: 6px; color: #fff; min-width: 7em; }
.tile .count { font-size: 1.8em; font-weight: bold; }
.tile.pass, .bar.pass { background: #2e7d32; } .tile.warning, .bar.warning { background: #ef8f00; } .tile.fail, .bar.fail { background: #c62828; }
.badge { padding: 1px 6px; border-radius: 4px; color: #fff; } .badge.pass { background: #2e7d32; } .badge.warning { background: #ef8f00; } .badge.fail { background: #c62828; }
.bars { max-width: 60em; } .bar-row { display: flex; align-items: center; margin: 3px 0; }
.bar-label { flex: none; width: 18em; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.bar-track { flex: 1; min-width: 0; } .bar { display: block; height: 14px; border-radius: 3px; }
.bar-value { flex: none; width: 6em; margin-left: 0.5em; text-align: right; white-space: nowrap; color: #555; font-variant-numeric: tabular-nums; }
li { margin: 3px 0; }
</style>
";
}
