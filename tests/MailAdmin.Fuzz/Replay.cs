using System.Diagnostics;

namespace MailAdmin.Fuzz;

/// <summary>Runs saved inputs through a target outside AFL: prints each failure with its stack.</summary>
internal static class Replay
{
    public static int Run(Action<byte[]> target, IEnumerable<string> paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories) : new[] { p })
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !f.EndsWith("README.txt", StringComparison.Ordinal)).ToList();
        int failed = 0;
        foreach (var file in files)
        {
            var sw = Stopwatch.StartNew();
            try { target(File.ReadAllBytes(file)); }
            catch (Exception ex)
            {
                failed++;
                Console.WriteLine($"FAIL {file}: {ex}");
                continue;
            }
            if (sw.Elapsed > TimeSpan.FromSeconds(1)) Console.WriteLine($"SLOW {file}: {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        Console.WriteLine($"{files.Count} inputs, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
