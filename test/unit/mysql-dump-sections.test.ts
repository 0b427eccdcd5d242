import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foreignKeyTarget,
  MysqlDumpFilter,
  type MysqlDumpFilterOptions,
  parseMarker,
  stripStatementDefiner,
} from '../../lambdas/domain/mysql-dump-sections';

/** A real `mariadb-dump` (Strongbox's options) of a small database with every kind of section and odd names. */
const DUMP = readFileSync(new URL('../fixtures/mysql-dump/sections-mariadb-10.11.sql', import.meta.url), 'utf8');

function run(options: MysqlDumpFilterOptions, text = DUMP): { out: string; missing: string[] } {
  const filter = new MysqlDumpFilter(options);
  const lines: string[] = [];
  for (const line of text.split('\n')) lines.push(...filter.feed(line));
  lines.push(...filter.finish());
  return { out: lines.join('\n'), missing: filter.missing() };
}

/** Every section the filter passes through, in order, as `kind name`. */
function sections(text: string): string[] {
  const filter = new MysqlDumpFilter({ stripDefiners: false });
  const seen: string[] = [];
  for (const line of text.split('\n')) {
    filter.feed(line);
    const current = filter.current;
    const label = 'name' in current ? `${current.kind} ${current.name}` : current.kind;
    if (seen[seen.length - 1] !== label) seen.push(label);
  }
  return seen;
}

describe('parseMarker', () => {
  it.each([
    ['-- Table structure for table `orders`', { kind: 'table', name: 'orders' }],
    ['-- Dumping data for table `odd``name`', { kind: 'table', name: 'odd`name' }],
    ['-- Sequence structure for `ticket_seq`', { kind: 'table', name: 'ticket_seq' }],
    ['-- Temporary table structure for view `v`', { kind: 'view', name: 'v' }],
    ['-- Temporary view structure for view `v`', { kind: 'view', name: 'v' }],
    ['-- Final view structure for view `名前 ``x```', { kind: 'view', name: '名前 `x`' }],
    ["-- Dumping events for database 'shop'", { kind: 'events' }],
    ["-- Dumping routines for database 'shop'", { kind: 'routines' }],
    ['-- Table structure for table `a', 'incomplete'],
    ['-- Table structure for table x', undefined],
    ['-- Dump completed on 2026-01-01', undefined],
  ])('reads %j', (line, expected) => {
    // Act
    const marker = parseMarker(line);

    // Assess
    expect(marker).toEqual(expected);
  });
});

describe('MysqlDumpFilter on a real dump', () => {
  it('finds every section of the dump in the order mariadb-dump writes them', () => {
    // Act
    const found = sections(DUMP);

    // Assess
    expect(found).toEqual([
      'header',
      'table ticket_seq',
      'table a\nb',
      'view customer_orders',
      'table customers',
      'table données',
      'table odd`name',
      'table orders',
      'events',
      'routines',
      'view customer_orders',
      'footer',
    ]);
  });

  it('passes a whole dump through unchanged when nothing is selected or rewritten', () => {
    // Act
    const { out, missing } = run({ stripDefiners: false });

    // Assess
    expect(out).toBe(DUMP);
    expect(missing).toEqual([]);
  });

  it('keeps the selected tables with their rows and triggers, routines, header and footer', () => {
    // Act
    const { out, missing } = run({ tables: ['orders', 'customers'], stripDefiners: false });

    // Assess
    expect(missing).toEqual([]);
    expect(out).toContain('CREATE TABLE `orders`');
    expect(out).toContain('INSERT INTO `orders` VALUES');
    expect(out).toContain('TRIGGER orders_touch');
    expect(out).toContain('`customers` VALUES');
    expect(out).toContain('PROCEDURE `cleanup`');
    expect(out).toContain('FUNCTION `twice`');
    expect(out.startsWith(DUMP.slice(0, DUMP.indexOf('-- Sequence structure')))).toBe(true);
    expect(out).toContain('/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;');
    expect(out).toContain('-- Dump completed on');
  });

  it('leaves out unselected tables, views, sequences and every event', () => {
    // Act
    const { out } = run({ tables: ['orders', 'customers'], stripDefiners: false });

    // Assess
    expect(out).not.toContain('`odd``name`');
    expect(out).not.toContain('données');
    expect(out).not.toContain('customer_orders');
    expect(out).not.toContain('ticket_seq');
    expect(out).not.toContain('EVENT `nightly`');
    expect(out).not.toContain('`a\nb`');
  });

  it('keeps a view with both of its structures only when it is named', () => {
    // Act
    const { out } = run({ tables: ['customer_orders', 'customers', 'orders'], stripDefiners: false });

    // Assess
    expect(out).toContain('-- Temporary table structure for view `customer_orders`');
    expect(out).toContain('-- Final view structure for view `customer_orders`');
    expect(out).toContain('VIEW `customer_orders` AS select');
  });

  it('selects tables whose names hold backticks, line breaks and non-ASCII letters', () => {
    // Act
    const { out, missing } = run({ tables: ['odd`name', 'a\nb', 'données'], stripDefiners: false });

    // Assess
    expect(missing).toEqual([]);
    expect(out).toContain('INSERT INTO `odd``name` VALUES');
    expect(out).toContain('CREATE TABLE `a\nb`');
    expect(out).toContain("(1,'山田')");
    expect(out).not.toContain('INSERT INTO `orders`');
  });

  it('removes foreign keys to tables left out and keeps the CREATE TABLE well-formed', () => {
    // Act
    const { out } = run({ tables: ['orders', 'odd`name'], stripDefiners: false });

    // Assess
    const create = out.slice(
      out.indexOf('CREATE TABLE `orders`'),
      out.indexOf(';', out.indexOf('CREATE TABLE `orders`')),
    );
    expect(create).not.toContain('orders_customer_fk');
    expect(create).toContain('CONSTRAINT `orders_id_positive` CHECK');
    expect(out).toContain('CONSTRAINT `odd_fk` FOREIGN KEY (`ref`) REFERENCES `orders` (`id`)');
    const oddCreate = out.slice(out.indexOf('CREATE TABLE `odd``name`'));
    expect(oddCreate).toMatch(/REFERENCES `orders` \(`id`\)\n\) ENGINE=/);
  });

  it('keeps exactly the markers of any subset of its tables and views (property)', () => {
    const names = ['a\nb', 'customer_orders', 'customers', 'données', 'odd`name', 'orders', 'ticket_seq'];
    const quoted = (name: string) => `\`${name.replace(/`/g, '``').replace(/\n/g, '\n-- ')}\``;
    fc.assert(
      fc.property(fc.subarray(names), (selected) => {
        // Act
        const { out, missing } = run({ tables: selected, stripDefiners: true });

        // Assess
        expect(missing).toEqual([]);
        for (const name of names) {
          const q = quoted(name);
          const markers = [`Table structure for table ${q}`, `Sequence structure for ${q}`, `structure for view ${q}`];
          expect(markers.some((marker) => out.includes(`${marker}\n`))).toBe(selected.includes(name));
        }
      }),
    );
  });

  it('reports selected names the dump never mentions', () => {
    // Act
    const { missing } = run({ tables: ['orders', 'nope', 'odd`name', 'Orders'], stripDefiners: false });

    // Assess
    expect(missing).toEqual(['nope', 'Orders']);
  });

  it('removes the DEFINER of triggers, views, routines and events, and only those', () => {
    // Act
    const { out } = run({ stripDefiners: true });

    // Assess
    expect(out).not.toMatch(/DEFINER=`/);
    expect(out).toContain('/*!50003 CREATE*/ /*!50003 TRIGGER orders_touch');
    expect(out).toContain('/*!50013 SQL SECURITY DEFINER */');
    expect(out).toContain('CREATE PROCEDURE `cleanup`()');
    expect(out).toContain('/*!50106 CREATE*/ /*!50106 EVENT `nightly`');
    expect(out.split('\n').length).toBe(DUMP.split('\n').length);
  });
});

describe('MysqlDumpFilter on edge cases', () => {
  it('never takes text inside a routine body for a marker or the footer', () => {
    // Prepare
    const text = [
      "-- Dumping routines for database 'd'",
      'DELIMITER ;;',
      'CREATE PROCEDURE `p`()',
      'BEGIN',
      '-- Table structure for table `t`',
      '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
      'END ;;',
      'DELIMITER ;',
      '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
    ].join('\n');

    // Act
    const found = sections(text);

    // Assess
    expect(found).toEqual(['routines', 'footer']);
  });

  it('treats a marker-like line without its continuation as an ordinary comment', () => {
    // Prepare
    const text = [
      '-- Table structure for table `t`',
      'CREATE TABLE `t` (',
      '  `x` int',
      ');',
      '-- Table structure for table `u',
      'SELECT 1;',
    ].join('\n');

    // Act
    const { out } = run({ tables: ['t'], stripDefiners: false }, text);

    // Assess
    expect(out).toBe(text);
  });

  it('keeps the input line for line whenever everything is kept (property)', () => {
    const line = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')),
      fc.constantFrom('DELIMITER ;;', 'DELIMITER ;', '-- Table structure for table `t', '-- b`', ';;', '(1,2);'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        // Act
        const { out } = run({ stripDefiners: false }, lines.join('\n'));

        // Assess
        expect(out).toBe(lines.join('\n'));
      }),
    );
  });
});

describe('stripStatementDefiner and foreignKeyTarget', () => {
  it.each([
    ['CREATE DEFINER=`a``b`@`%` PROCEDURE `p`()', 'CREATE PROCEDURE `p`()'],
    ['CREATE DEFINER=`role` FUNCTION `f`() RETURNS int', 'CREATE FUNCTION `f`() RETURNS int'],
    ['/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`localhost`*/ /*!50003 TRIGGER t', '/*!50003 CREATE*/ /*!50003 TRIGGER t'],
    [
      "INSERT INTO `t` VALUES ('CREATE DEFINER=`x`@`y` PROCEDURE')",
      "INSERT INTO `t` VALUES ('CREATE DEFINER=`x`@`y` PROCEDURE')",
    ],
  ])('rewrites %j', (line, expected) => {
    expect(stripStatementDefiner(line)).toBe(expected);
  });

  it.each([
    ['  CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `t``x` (`id`) ON DELETE CASCADE,', 't`x'],
    ['  CONSTRAINT `fk` FOREIGN KEY (`a`, `b`) REFERENCES `t` (`id`, `k`)', 't'],
    ['  CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `other_db`.`t` (`id`),', undefined],
    ['  CONSTRAINT `c` CHECK (`a` > 0)', undefined],
  ])('finds the target of %j', (line, expected) => {
    expect(foreignKeyTarget(line)).toBe(expected);
  });
});
