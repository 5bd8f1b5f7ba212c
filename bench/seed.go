package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/depot-registry/depot/account"
	"github.com/depot-registry/depot/ent"
	"github.com/depot-registry/depot/ent/accountname"
	"github.com/depot-registry/depot/ent/membership"
	"github.com/depot-registry/depot/ent/packageowner"
	"github.com/depot-registry/depot/ent/repository"
	"github.com/depot-registry/depot/ent/retirement"
	"github.com/depot-registry/depot/store"
	"github.com/depot-registry/depot/viewer"
)

// BlobKey is the blob key of every seeded release: read benchmarks never
// fetch tarballs, so none are stored.
const BlobKey = "bench/no-tarball"

// dummyPasswordHash is no valid hash: seeded users sign in with API keys.
const dummyPasswordHash = "$bench$no-password"

// Counts is what a seed made.
type Counts struct {
	Users, Orgs, Memberships, Packages, Owners, Releases, Requirements, Retirements, Keys, DownloadDays int
	Took                                                                                                time.Duration
}

func (c Counts) String() string {
	return fmt.Sprintf("%d users, %d organizations (%d memberships), %d packages (%d owners), %d releases, %d requirements, %d retirements, %d API keys, %d daily download rows in %s",
		c.Users, c.Orgs, c.Memberships, c.Packages, c.Owners, c.Releases, c.Requirements, c.Retirements, c.Keys, c.DownloadDays, c.Took.Round(time.Millisecond))
}

// batch is the most rows one INSERT carries: the widest table (releases,
// about 20 columns) stays under SQLite's 32,766 and PostgreSQL's 65,535
// bind parameters.
const batch = 1000

// Seed writes plan into db (migrated, with no packages yet) through Ent, in
// bulk inserts, one transaction per group of packages. secret is the
// server's secret key: API key hashes are keyed with it, as account does.
func Seed(ctx context.Context, db *ent.Client, plan *Plan, secret []byte) (Counts, error) {
	start := time.Now()
	ctx = viewer.System(ctx)
	var c Counts
	n, err := db.Pkg.Query().Count(ctx)
	if err != nil {
		return c, err
	}
	if n > 0 {
		return c, fmt.Errorf("the database already has %d packages: seed a fresh one", n)
	}
	public, err := db.Repository.Query().Where(repository.OrganizationIDIsNil()).Only(ctx)
	if err != nil {
		return c, fmt.Errorf("public repository: %w", err)
	}

	userIDs := make([]int, len(plan.Users))
	orgIDs := make([]int, len(plan.Orgs))
	err = store.WithTx(ctx, db, func(tx *ent.Tx) error {
		for lo := 0; lo < len(plan.Users); lo += batch {
			hi := min(lo+batch, len(plan.Users))
			names := make([]*ent.AccountNameCreate, 0, hi-lo)
			users := make([]*ent.UserCreate, 0, hi-lo)
			for i := lo; i < hi; i++ {
				u := plan.Users[i]
				at := Epoch.Add(time.Duration(i) * time.Hour)
				names = append(names, tx.AccountName.Create().SetName(u.Username).SetKind(accountname.KindUSER))
				users = append(users, tx.User.Create().SetUsername(u.Username).SetEmail(u.Email).SetFullName(u.FullName).
					SetPasswordHash(dummyPasswordHash).SetEmailVerifiedAt(at).SetCreatedAt(at).SetUpdatedAt(at))
			}
			if err := tx.AccountName.CreateBulk(names...).Exec(ctx); err != nil {
				return fmt.Errorf("account names: %w", err)
			}
			us, err := tx.User.CreateBulk(users...).Save(ctx)
			if err != nil {
				return fmt.Errorf("users: %w", err)
			}
			for i, u := range us {
				userIDs[lo+i] = u.ID
			}
		}
		c.Users = len(plan.Users)

		keys := make([]*ent.APIKeyCreate, 0, plan.Size.Keys)
		for i := 0; i < plan.Size.Keys && i < len(plan.Users); i++ {
			secretText := KeyFor(plan.Seed, i)
			keys = append(keys, tx.APIKey.Create().SetUserID(userIDs[i]).SetName("bench").
				SetPrefix(secretText[:len(account.KeyPrefix)+6]).SetSecretHash(keyHash(secret, secretText)).
				SetScopes([]string{"api:read"}))
		}
		if err := tx.APIKey.CreateBulk(keys...).Exec(ctx); err != nil {
			return fmt.Errorf("api keys: %w", err)
		}
		c.Keys = len(keys)

		var names []*ent.AccountNameCreate
		var orgs []*ent.OrganizationCreate
		for _, o := range plan.Orgs {
			names = append(names, tx.AccountName.Create().SetName(o.Name).SetKind(accountname.KindORGANIZATION))
			orgs = append(orgs, tx.Organization.Create().SetName(o.Name).SetDisplayName(o.DisplayName))
		}
		if len(orgs) > 0 {
			if err := tx.AccountName.CreateBulk(names...).Exec(ctx); err != nil {
				return fmt.Errorf("organization names: %w", err)
			}
			os, err := tx.Organization.CreateBulk(orgs...).Save(ctx)
			if err != nil {
				return fmt.Errorf("organizations: %w", err)
			}
			var repos []*ent.RepositoryCreate
			var ms []*ent.MembershipCreate
			for i, o := range os {
				orgIDs[i] = o.ID
				repos = append(repos, tx.Repository.Create().SetName(o.Name).SetOrganizationID(o.ID))
				for j, u := range plan.Orgs[i].Members {
					role := membership.RoleREAD
					switch {
					case j == 0:
						role = membership.RoleADMIN
					case j%3 == 1:
						role = membership.RoleWRITE
					}
					ms = append(ms, tx.Membership.Create().SetOrganizationID(o.ID).SetUserID(userIDs[u]).SetRole(role))
				}
			}
			if err := tx.Repository.CreateBulk(repos...).Exec(ctx); err != nil {
				return fmt.Errorf("organization repositories: %w", err)
			}
			for lo := 0; lo < len(ms); lo += batch {
				if err := tx.Membership.CreateBulk(ms[lo:min(lo+batch, len(ms))]...).Exec(ctx); err != nil {
					return fmt.Errorf("memberships: %w", err)
				}
			}
			c.Orgs, c.Memberships = len(orgs), len(ms)
		}
		return nil
	})
	if err != nil {
		return c, err
	}

	// Packages go in groups, each group with its owners, releases,
	// requirements and retirements in one transaction. Dependencies point to
	// earlier packages only, so their ids are known when a group is written.
	today := plan.Today
	if today.IsZero() {
		today = time.Now().UTC()
	}
	pkgIDs := make([]int, len(plan.Packages))
	for lo := 0; lo < len(plan.Packages); lo += batch {
		hi := min(lo+batch, len(plan.Packages))
		err := store.WithTx(ctx, db, func(tx *ent.Tx) error {
			return seedPackages(ctx, tx, plan, today, lo, hi, public.ID, pkgIDs, userIDs, orgIDs, &c)
		})
		if err != nil {
			return c, err
		}
	}
	c.Took = time.Since(start)
	return c, nil
}

func seedPackages(ctx context.Context, tx *ent.Tx, plan *Plan, today time.Time, lo, hi, repoID int, pkgIDs, userIDs, orgIDs []int, c *Counts) error {
	// Daily downloads of the recent window come on top of the plan's
	// totals (its history before daily rows, as on an upgraded server), so
	// each total is its history plus the sum of its days.
	days := make([][]DayDownloads, hi-lo)
	inWindow := make([]map[int]int64, hi-lo)
	pcs := make([]*ent.PkgCreate, 0, hi-lo)
	for i := lo; i < hi; i++ {
		p := plan.Packages[i]
		days[i-lo] = plan.DownloadDays(i, today)
		inWindow[i-lo] = map[int]int64{}
		var sum int64
		for _, d := range days[i-lo] {
			inWindow[i-lo][d.Release] += d.Downloads
			sum += d.Downloads
		}
		first := p.Releases[0].Published
		last := p.Releases[len(p.Releases)-1].Published
		pcs = append(pcs, tx.Pkg.Create().SetName(p.Name).SetRepositoryID(repoID).SetDescription(p.Description).
			SetLatestVersion(p.Latest).SetDownloads(p.Downloads+sum).SetFirstPublishedAt(first).
			SetCreatedAt(first).SetUpdatedAt(last))
	}
	ps, err := tx.Pkg.CreateBulk(pcs...).Save(ctx)
	if err != nil {
		return fmt.Errorf("packages: %w", err)
	}
	for i, p := range ps {
		pkgIDs[lo+i] = p.ID
	}
	c.Packages += len(ps)

	var owners []*ent.PackageOwnerCreate
	var rels []*ent.ReleaseCreate
	type relRef struct{ pkg, rel int }
	var refs []relRef
	for i := lo; i < hi; i++ {
		p := plan.Packages[i]
		if p.OwnerOrg >= 0 {
			owners = append(owners, tx.PackageOwner.Create().SetPackageID(pkgIDs[i]).SetOrganizationID(orgIDs[p.OwnerOrg]).SetLevel(packageowner.LevelFULL))
		}
		for j, u := range p.OwnerUsers {
			level := packageowner.LevelMAINTAINER
			if j == 0 && p.OwnerOrg < 0 {
				level = packageowner.LevelFULL
			}
			owners = append(owners, tx.PackageOwner.Create().SetPackageID(pkgIDs[i]).SetUserID(userIDs[u]).SetLevel(level))
		}
		var publisher *int
		if len(p.OwnerUsers) > 0 {
			publisher = &userIDs[p.OwnerUsers[0]]
		} else if p.OwnerOrg >= 0 {
			publisher = &userIDs[plan.Orgs[p.OwnerOrg].Members[0]]
		}
		for j, r := range p.Releases {
			rels = append(rels, tx.Release.Create().SetPackageID(pkgIDs[i]).SetVersion(r.Version).SetVersionKey(r.Key).
				SetPrerelease(r.Prerelease).SetInnerChecksum(Checksum("inner", p.Name, r.Version)).
				SetOuterChecksum(Checksum("outer", p.Name, r.Version)).SetBlobKey(BlobKey).
				SetSize(int64(4096+len(p.Name)*97+j*311)).SetApp(p.Name).SetDescription(p.Description).
				SetLicenses(p.Licenses).SetBuildTools([]string{"mix"}).SetElixirRequirement("~> 1.14").
				SetFirstPublishedAt(r.Published).SetCreatedAt(r.Published).SetUpdatedAt(r.Published).
				SetNillablePublisherID(publisher).SetDownloads(r.Downloads+inWindow[i-lo][j]))
			refs = append(refs, relRef{i, j})
		}
	}
	for k := 0; k < len(owners); k += batch {
		if err := tx.PackageOwner.CreateBulk(owners[k:min(k+batch, len(owners))]...).Exec(ctx); err != nil {
			return fmt.Errorf("owners: %w", err)
		}
	}
	c.Owners += len(owners)

	var reqs []*ent.RequirementCreate
	var rets []*ent.RetirementCreate
	var dds []*ent.DownloadDayCreate
	for k := 0; k < len(rels); k += batch {
		end := min(k+batch, len(rels))
		saved, err := tx.Release.CreateBulk(rels[k:end]...).Save(ctx)
		if err != nil {
			return fmt.Errorf("releases: %w", err)
		}
		for m, rel := range saved {
			ref := refs[k+m]
			r := plan.Packages[ref.pkg].Releases[ref.rel]
			for _, d := range days[ref.pkg-lo] {
				if d.Release == ref.rel {
					dds = append(dds, tx.DownloadDay.Create().SetReleaseID(rel.ID).SetPackageID(pkgIDs[ref.pkg]).
						SetDay(d.Day).SetDownloads(d.Downloads))
				}
			}
			for _, d := range r.Deps {
				dep := plan.Packages[d.Package].Name
				reqs = append(reqs, tx.Requirement.Create().SetReleaseID(rel.ID).SetName(dep).SetRequirement(d.Requirement).
					SetApp(dep).SetOptional(d.Optional).SetDependencyID(pkgIDs[d.Package]))
			}
			if r.Retirement != nil {
				rets = append(rets, tx.Retirement.Create().SetReleaseID(rel.ID).
					SetReason(retirement.Reason(r.Retirement.Reason)).SetMessage(r.Retirement.Message).
					SetCreatedAt(r.Published).SetUpdatedAt(r.Published))
			}
		}
	}
	c.Releases += len(rels)
	for k := 0; k < len(reqs); k += 2 * batch {
		if err := tx.Requirement.CreateBulk(reqs[k:min(k+2*batch, len(reqs))]...).Exec(ctx); err != nil {
			return fmt.Errorf("requirements: %w", err)
		}
	}
	c.Requirements += len(reqs)
	for k := 0; k < len(rets); k += batch {
		if err := tx.Retirement.CreateBulk(rets[k:min(k+batch, len(rets))]...).Exec(ctx); err != nil {
			return fmt.Errorf("retirements: %w", err)
		}
	}
	c.Retirements += len(rets)
	for k := 0; k < len(dds); k += 2 * batch {
		if err := tx.DownloadDay.CreateBulk(dds[k:min(k+2*batch, len(dds))]...).Exec(ctx); err != nil {
			return fmt.Errorf("download days: %w", err)
		}
	}
	c.DownloadDays += len(dds)
	return nil
}

// keyHash is account's API key hash (HMAC-SHA256 of the secret under the
// server's secret key); the test signs in with a seeded key to prove they agree.
func keyHash(secret []byte, key string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key))
	return m.Sum(nil)
}
