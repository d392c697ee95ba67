using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// Copies a store's tree as a crash would leave it. .NET's File.Copy takes the file locks a live store holds (its
/// flag journal is locked while the store has the folder open), which a kill -9 or a power cut never respects;
/// cp reads regardless. On Windows the lock is a real sharing lock, so File.Copy is all there is.
/// </summary>
internal static class CrashCopy
{
    internal static void Tree(string from, string to)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
                Directory.CreateDirectory(dir.Replace(from, to));
            foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
                File.Copy(file, file.Replace(from, to));
            return;
        }
        var cp = Process.Start(new ProcessStartInfo("cp", new[] { "-a", from + "/.", to }) { RedirectStandardError = true })!;
        var error = cp.StandardError.ReadToEnd();
        cp.WaitForExit();
        if (cp.ExitCode != 0) throw new IOException($"cp -a {from} {to} failed: {error}");
    }
}
