using MailAdmin.Store;
using Xunit;

namespace MailAdmin.Engine.Tests.Store;

/// <summary>
/// The listing a Maildir rescan compares the index with: one file per base name (new/ before cur/), no dot files
/// or names with CR/LF, and its buffers growing past the size it was told to expect.
/// </summary>
public sealed class MaildirListingTests : IDisposable
{
    private readonly TempDirectory root = new();

    public void Dispose() => root.Dispose();

    private string New => Path.Combine(root.Path, "new");
    private string Cur => Path.Combine(root.Path, "cur");

    private static void Touch(string dir, string name)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name), Array.Empty<byte>());
    }

    [Fact]
    public void Each_base_name_is_found_once_new_before_cur()
    {
        Touch(New, "100.M1P1.host,S=5");
        Touch(Cur, MaildirFileName.WithInfo("100.M1P1.host,S=5", MessageFlags.Seen));
        Touch(Cur, MaildirFileName.WithInfo("200.M2P2.host,S=7", MessageFlags.Flagged | MessageFlags.Seen));
        Touch(Cur, ".hidden");

        using var listing = MaildirListing.Read(New, Cur, 0);
        Assert.Equal(2, listing.Count);
        var first = listing.Find("100.M1P1.host,S=5");
        Assert.True(listing.IsNew(first));
        Assert.Equal("100.M1P1.host,S=5", listing.FileName(first));
        var second = listing.Find("200.M2P2.host,S=7");
        Assert.False(listing.IsNew(second));
        Assert.Equal(MaildirFileName.WithInfo("200.M2P2.host,S=7", MessageFlags.Flagged | MessageFlags.Seen), listing.FileName(second));
        Assert.Equal("200.M2P2.host,S=7", listing.BaseName(second));
        Assert.Equal(-1, listing.Find("300.M3P3.host,S=9"));
        Assert.Equal(-1, listing.Find(".hidden"));
        Assert.True(listing.Has(MaildirFileName.WithInfo("200.M2P2.host,S=7", MessageFlags.Flagged | MessageFlags.Seen).AsSpan(), false));
        Assert.False(listing.Has(MaildirFileName.WithInfo("200.M2P2.host,S=7", MessageFlags.Seen).AsSpan(), false));
        Assert.False(listing.Has("100.M1P1.host,S=5".AsSpan(), false));
    }

    [Fact]
    public void Names_with_line_breaks_are_skipped()
    {
        if (OperatingSystem.IsWindows()) return;   // Windows allows no CR or LF in names: nothing to skip there
        Touch(New, "100.M1P1.host\n,S=5");
        Touch(Cur, "200.M2P2.host\r,S=5:2,S");
        Touch(Cur, "300.M3P3.host,S=5:2,S");

        using var listing = MaildirListing.Read(New, Cur, 0);
        Assert.Equal(1, listing.Count);
        Assert.Equal("300.M3P3.host,S=5:2,S", listing.FileName(listing.Find("300.M3P3.host,S=5")));
    }

    [Fact]
    public void A_listing_far_bigger_than_expected_finds_every_file()
    {
        var names = Enumerable.Range(0, 700).Select(i => $"{1700000000 + i}.M{i}P4242Q{i}R{i:x8}.{new string('h', i % 90)},S={i}").ToList();
        for (var i = 0; i < names.Count; i++)
            Touch(i % 3 == 0 ? New : Cur, i % 3 == 0 ? names[i] : MaildirFileName.WithInfo(names[i], MessageFlags.Seen, "ab"));

        using var listing = MaildirListing.Read(New, Cur, 1);
        Assert.Equal(names.Count, listing.Count);
        for (var i = 0; i < names.Count; i++)
        {
            var at = listing.Find(names[i]);
            Assert.True(at >= 0, names[i]);
            Assert.Equal(i % 3 == 0, listing.IsNew(at));
            Assert.Equal(i % 3 == 0 ? names[i] : MaildirFileName.WithInfo(names[i], MessageFlags.Seen, "ab"), listing.NameAt(at).ToString());
            Assert.True(listing.IsMatched(at));
        }
    }
}
