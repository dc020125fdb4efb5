#!/usr/bin/perl
# Writes the ip-location-db range files as one MaxMind DB with MaxMind's own writer
# (Debian libmaxmind-db-writer-perl), so that libmaxminddb answers from the same data as
# Kizuna's table: autonomous_system_number, autonomous_system_organization, country_code.
# Later inserts win where ranges overlap (merge_strategy recurse), as in Kizuna's build.
#   make_mmdb.pl OUT.mmdb ASN.csv... -- COUNTRY.csv...
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV;
my (@as, @cc);
my $list = \@as;
for (@ARGV) { if ($_ eq '--') { $list = \@cc } else { push @$list, $_ } }

my %types = (autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
             country_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 32, database_type => 'Kizuna-Bench-ASN-Country',
    languages => ['en'], description => { en => 'ip-location-db asn + asn-country (CC BY 4.0)' },
    map_key_type_callback => sub { $types{ $_[0] } }, merge_strategy => 'recurse',
    remove_reserved_networks => 0);

sub v4mapped { my $a = shift; return $a =~ /:/ ? $a : "::$a" }

for my $f (@as) {
    open my $fh, '<:encoding(UTF-8)', $f or die "$f: $!";
    while (my $line = <$fh>) {
        chomp $line;
        # Only the organization (the last field) is ever quoted, with "" for a quote.
        my ($first, $last, $asn, $org) = split /,/, $line, 4;
        $org =~ s/^"(.*)"$/$1/s and $org =~ s/""/"/g;
        $tree->insert_range(v4mapped($first), v4mapped($last),
            { autonomous_system_number => $asn + 0, autonomous_system_organization => $org });
    }
}
for my $f (@cc) {
    open my $fh, '<', $f or die "$f: $!";
    while (my $line = <$fh>) {
        chomp $line;
        my ($first, $last, $cc) = split /,/, $line;
        $tree->insert_range(v4mapped($first), v4mapped($last), { country_code => uc $cc });
    }
}
open my $o, '>:raw', $out or die "$out: $!";
$tree->write_tree($o);
close $o or die "$out: $!";
