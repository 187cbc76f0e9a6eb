package main

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/lib/pq"
)

// product is one row of the products table.
type product struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
}

// seedProducts fill the table on the first start.
var seedProducts = []product{
	{Name: "Swarm mug", PriceCents: 1200},
	{Name: "Manager hoodie", PriceCents: 4500},
	{Name: "Worker T-shirt", PriceCents: 2000},
	{Name: "Overlay sticker pack", PriceCents: 500},
	{Name: "Raft consensus poster", PriceCents: 1500},
}

// productStore is what the handlers need from the database.
type productStore interface {
	Products(ctx context.Context) ([]product, error)
	Seed(ctx context.Context) error
	Ping(ctx context.Context) error
}

// pgStore keeps the products in PostgreSQL.
type pgStore struct{ db *sql.DB }

// dsn is the connection string for lib/pq, with every value quoted.
func dsn(cfg config) string {
	q := func(s string) string { return "'" + escapeDSN(s) + "'" }
	return "host=" + q(cfg.DBHost) + " port=" + strconv.Itoa(cfg.DBPort) + " user=" + q(cfg.DBUser) +
		" password=" + q(cfg.DBPassword) + " dbname=" + q(cfg.DBName) + " sslmode=disable connect_timeout=3"
}

func escapeDSN(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\\' || r == '\'' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

func openStore(cfg config) (*pgStore, error) {
	connector, err := pq.NewConnector(dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(4)
	return &pgStore{db: db}, nil
}

func (s *pgStore) Close() error { return s.db.Close() }

func (s *pgStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Seed creates the table and fills it when it is empty. Every API task runs it at start; the
// table lock makes the first one fill it and the others find it full.
func (s *pgStore) Seed(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS products (
		id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, price_cents BIGINT NOT NULL)`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE products IN EXCLUSIVE MODE`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		for _, p := range seedProducts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO products (name, price_cents) VALUES ($1, $2)`, p.Name, p.PriceCents); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

func (s *pgStore) Products(ctx context.Context) ([]product, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, price_cents FROM products ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []product{}
	for rows.Next() {
		var p product
		if err := rows.Scan(&p.ID, &p.Name, &p.PriceCents); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
