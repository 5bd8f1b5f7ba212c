// Package bench measures Depot's read performance: it seeds a deterministic,
// realistic data set straight through Ent (`depot bench seed`), drives the
// GraphQL endpoint with fixed query shapes at a fixed concurrency for a fixed
// time (`depot bench load`), and keeps the hand-written SQL "floor" of the
// same answers as pgbench scripts (pgbench/), so a run says how far the
// server is from what the database alone could do. scripts/bench.sh runs the
// whole thing; BENCHMARKS.md records the results.
package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/depot-registry/depot/names"
	"github.com/depot-registry/depot/registry"
	"github.com/depot-registry/depot/semver"
)

// Size is how much a plan holds. DefaultSize is the benchmark data set of
// the "Fast reads" issue; tests use a small one.
type Size struct {
	Packages, ReleasesPerPackage, Users, Orgs, Keys int
}

// DefaultSize: 10,000 packages × 10 releases, 2,000 users, 200 organizations.
var DefaultSize = Size{Packages: 10000, ReleasesPerPackage: 10, Users: 2000, Orgs: 200, Keys: 100}

// Plan is a whole data set, generated in memory from a seed. The load
// generator rebuilds the same plan to pick names and versions that exist,
// without asking the server.
type Plan struct {
	Seed uint64
	// Today is the day the seeded daily downloads end before (DownloadDays);
	// the zero time means the wall clock's day when Seed runs.
	Today    time.Time
	Size     Size
	Users    []User
	Orgs     []Org
	Packages []Package
}

// User is one seeded user; users [0, Size.Keys) get an API key (KeyFor).
type User struct{ Username, Email, FullName string }

// Org is one seeded organization; Members[0] is its admin.
type Org struct {
	Name, DisplayName string
	Members           []int // user indexes
}

// Package is one seeded public package.
type Package struct {
	Name, Description string
	Licenses          []string
	Downloads         int64
	Latest            string
	OwnerUsers        []int // user indexes; the first is FULL, the rest MAINTAINER
	OwnerOrg          int   // org index (FULL owner) or -1
	Releases          []Release
}

// Release is one version of a package, oldest first in Package.Releases.
type Release struct {
	Version    string
	Prerelease bool
	Key        []byte
	Published  time.Time
	Downloads  int64
	Deps       []Dep
	Retirement *Retirement
}

// Dep is a requirement on an earlier package of the plan.
type Dep struct {
	Package     int
	Requirement string
	Optional    bool
}

// Retirement of a release.
type Retirement struct{ Reason, Message string }

// Epoch is when the seeded history starts; everything is dated after it, so
// runs are identical whatever the wall clock says.
var Epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Prefixes are the package families; names share them, so prefix search
// (shape C) has realistic match counts. The first ones are the most common.
var Prefixes = []string{
	"phoenix", "ecto", "plug", "absinthe", "ash", "nerves", "oban", "broadway",
	"telemetry", "ex", "membrane", "surface", "commanded", "tesla", "nimble",
	"cowboy", "ranch", "finch", "mint", "swoosh", "guardian", "credo", "exq",
	"bamboo", "postgrex", "horde", "libcluster", "req", "jason", "timex",
}

var words = strings.Fields(`live view html pubsub ecto sql migrations json api auth admin
dashboard router socket channel presence cache redis kafka rabbitmq sqs s3 gcs storage upload
image pdf csv xml yaml toml markdown mailer sms push metrics tracing logger sentry honeybadger
graphql relay dataloader schema validator changeset factory fixtures mock test bench profiler
cron scheduler queue worker pipeline stream batch retry circuit breaker rate limiter pool
cluster registry supervisor config vault secrets crypto jwt oauth saml ldap totp password
i18n gettext money decimal uuid ulid slug geo time calendar ical search elastic algolia
typesense payments stripe paddle webhooks admin_ui components icons tailwind esbuild`)

var licenses = [][]string{{"Apache-2.0"}, {"MIT"}, {"MIT"}, {"Apache-2.0"}, {"BSD-3-Clause"}, {"MIT", "Apache-2.0"}, {"MPL-2.0"}, {"ISC"}}

var firstNames = strings.Fields(`jose chris sasha dave lena maria wojtek andrea paulo eric
michal jessica bruce sophie tomasz hugo aisha kenji nadia omar priya rafael selma tariq ursula
viktor wanda xavier yuki zoe amir bea carlos dana elif farid greta hamza ines jonas kira
lucas mina noor otto pia quinn rosa sven`)

var lastNames = strings.Fields(`valim mccord lopez silva nowak rossi kowalski tanaka garcia
muller novak santos dubois kim ivanova haddad okafor berg costa jensen lind moreau nakamura
olsen petrov quist ramos schmidt torres ueda vargas weber xu yilmaz zhang abbott baker
castro diaz evans`)

var orgSuffixes = []string{"core", "team", "labs", "contrib", "community", "hq", "dev"}

var reasons = []string{"SECURITY", "DEPRECATED", "INVALID", "RENAMED", "OTHER"}

// NewPlan generates the data set for seed and size; the same arguments give
// the same plan on every machine.
func NewPlan(seed uint64, size Size) *Plan {
	r := rand.New(rand.NewPCG(seed, 0x6465706f74)) // "depot"
	p := &Plan{Seed: seed, Size: size}
	p.users(r)
	p.orgs(r)
	p.packages(r)
	return p
}

func (p *Plan) users(r *rand.Rand) {
	seen := map[string]bool{}
	for i := 0; len(p.Users) < p.Size.Users; i++ {
		f, l := firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)]
		name := f + "." + l
		if round := i / (len(firstNames) * len(lastNames)); round > 0 {
			name += fmt.Sprint(round)
		}
		if seen[name] || names.Username(name) != nil {
			continue
		}
		seen[name] = true
		p.Users = append(p.Users, User{
			Username: name,
			Email:    name + "@example.test",
			FullName: strings.ToUpper(f[:1]) + f[1:] + " " + strings.ToUpper(l[:1]) + l[1:],
		})
	}
	_ = r
}

func (p *Plan) orgs(r *rand.Rand) {
	seen := map[string]bool{}
	for i := 0; len(p.Orgs) < p.Size.Orgs; i++ {
		name := Prefixes[i%len(Prefixes)] + "_" + orgSuffixes[(i/len(Prefixes))%len(orgSuffixes)]
		if round := i / (len(Prefixes) * len(orgSuffixes)); round > 0 {
			name += fmt.Sprint(round)
		}
		if seen[name] || names.Organization(name) != nil {
			continue
		}
		seen[name] = true
		n := 3 + r.IntN(13) // 3..15 members
		members := make([]int, 0, n)
		taken := map[int]bool{}
		for len(members) < n && len(members) < len(p.Users) {
			u := p.zipfUser(r)
			if !taken[u] {
				taken[u] = true
				members = append(members, u)
			}
		}
		p.Orgs = append(p.Orgs, Org{Name: name, DisplayName: strings.ReplaceAll(name, "_", " "), Members: members})
	}
}

// zipfUser picks a user, favouring low indexes: a few users own and join a
// lot, most only a little (and the keyed users [0, Keys) are among the busy).
func (p *Plan) zipfUser(r *rand.Rand) int {
	x := math.Pow(r.Float64(), 2.5)
	return min(int(x*float64(len(p.Users))), len(p.Users)-1)
}

func (p *Plan) packages(r *rand.Rand) {
	seen := map[string]bool{}
	family := map[string][]int{} // prefix -> package indexes
	add := func(name, prefix string) {
		seen[name] = true
		family[prefix] = append(family[prefix], len(p.Packages))
		p.Packages = append(p.Packages, Package{Name: name})
	}
	for _, pre := range Prefixes {
		if len(p.Packages) < p.Size.Packages && names.Package(pre) == nil {
			add(pre, pre)
		}
	}
	for len(p.Packages) < p.Size.Packages {
		// Earlier prefixes are more common (phoenix_* > timex_*).
		pre := Prefixes[min(int(math.Pow(r.Float64(), 1.6)*float64(len(Prefixes))), len(Prefixes)-1)]
		name := pre + "_" + words[r.IntN(len(words))]
		if r.IntN(10) < 4 {
			name += "_" + words[r.IntN(len(words))]
		}
		if len(name) > 64 || seen[name] || names.Package(name) != nil {
			continue
		}
		add(name, pre)
	}
	prefixOf := func(name string) string { pre, _, _ := strings.Cut(name, "_"); return pre }
	for i := range p.Packages {
		pk := &p.Packages[i]
		pre := prefixOf(pk.Name)
		pk.Description = fmt.Sprintf("%s for %s applications: %s, with %s support.",
			titleWords(pk.Name), strings.ToUpper(pre[:1])+pre[1:], words[r.IntN(len(words))], words[r.IntN(len(words))])
		pk.Licenses = licenses[r.IntN(len(licenses))]
		// Downloads fall off with the index (core packages were made first).
		pk.Downloads = int64(5e7/math.Pow(float64(i+1), 0.9)*(0.5+r.Float64())) + int64(r.IntN(500))
		pk.OwnerOrg = -1
		if r.IntN(10) < 3 && len(p.Orgs) > 0 {
			pk.OwnerOrg = (slices.Index(Prefixes, pre) + len(Prefixes)*r.IntN(len(orgSuffixes))) % len(p.Orgs)
			if r.IntN(2) == 0 {
				pk.OwnerUsers = []int{p.Orgs[pk.OwnerOrg].Members[0]}
			}
		} else {
			pk.OwnerUsers = []int{p.zipfUser(r)}
			if r.IntN(10) < 3 {
				if u := p.zipfUser(r); u != pk.OwnerUsers[0] {
					pk.OwnerUsers = append(pk.OwnerUsers, u)
				}
			}
		}
		p.releases(r, i, family[pre])
	}
}

func (p *Plan) releases(r *rand.Rand, i int, fam []int) {
	pk := &p.Packages[i]
	n := p.Size.ReleasesPerPackage
	t := Epoch.Add(time.Duration(r.IntN(3*365*24)) * time.Hour)
	v := semver.Version{Major: uint64(r.IntN(2)), Minor: uint64(r.IntN(5)), Patch: uint64(r.IntN(3))}
	if v.Major == 0 && v.Minor == 0 {
		v.Minor = 1
	}
	// Dependencies are chosen once per package among earlier packages (half
	// from its own family), and kept by most releases, like real projects.
	var deps []int
	if i > 0 {
		want := r.IntN(6) // 0..5
		for tries := 0; len(deps) < want && tries < 20; tries++ {
			var d int
			if len(fam) > 1 && r.IntN(2) == 0 {
				d = fam[r.IntN(len(fam))]
			} else {
				d = r.IntN(min(i, 300))
			}
			if d < i && !slices.Contains(deps, d) {
				deps = append(deps, d)
			}
		}
	}
	preLast := r.IntN(100) < 8 // the newest release is a pre-release
	var versions []semver.Version
	for j := range n {
		if j > 0 {
			switch x := r.IntN(10); {
			case x < 6:
				v = semver.Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch + 1}
			case x < 9:
				v = semver.Version{Major: v.Major, Minor: v.Minor + 1}
			default:
				v = semver.Version{Major: v.Major + 1}
			}
		}
		rv := v
		if j == n-1 && preLast {
			rv = semver.Version{Major: v.Major + 1, Pre: fmt.Sprintf("rc.%d", r.IntN(3))}
		}
		t = t.Add(time.Duration(1+r.IntN(60*24)) * time.Hour)
		rel := Release{
			Version: rv.String(), Prerelease: rv.IsPrerelease(), Key: registry.VersionKey(rv), Published: t,
			Downloads: pk.Downloads / int64(n) * int64(j+1) / int64(n/2+1),
		}
		for _, d := range deps {
			if r.IntN(10) == 0 { // an occasional release drops one
				continue
			}
			rel.Deps = append(rel.Deps, Dep{Package: d, Requirement: "~> " + p.requirementBase(d), Optional: r.IntN(10) == 0})
		}
		if r.IntN(100) < 2 {
			rel.Retirement = &Retirement{Reason: reasons[r.IntN(len(reasons))], Message: "retired by the maintainers; upgrade"}
		}
		versions = append(versions, rv)
		pk.Releases = append(pk.Releases, rel)
	}
	if latest, ok := registry.LatestVersion(versions); ok {
		pk.Latest = latest.String()
	}
}

// requirementBase is "MAJOR.MINOR" of an earlier package's latest version.
func (p *Plan) requirementBase(d int) string {
	v := semver.MustParse(p.Packages[d].Latest)
	return fmt.Sprintf("%d.%d", v.Major, v.Minor)
}

func titleWords(name string) string {
	parts := strings.Split(name, "_")
	for i, w := range parts {
		parts[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(parts, " ")
}

// Checksum is the fake hex SHA-256 stored for a release (no tarball exists).
func Checksum(kind, name, version string) string {
	h := sha256.Sum256([]byte(kind + "/" + name + "-" + version))
	return hex.EncodeToString(h[:])
}

// KeyFor is the API key secret of user i in a plan made from seed. Keys are
// deterministic so `bench load` can sign in without being told the key.
func KeyFor(seed uint64, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "depot-bench/%d/%d", seed, i))
	return "dpk_bench" + hex.EncodeToString(h[:12])
}
