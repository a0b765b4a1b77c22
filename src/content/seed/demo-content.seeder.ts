import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { HttpConfig } from '../../shared/http.config.js';
import { isUniqueViolation } from '../../database/database-errors.js';
import { UnitOfWork } from '../../database/unit-of-work.js';
import { ContentConfig } from '../content.config.js';
import type { ContentType } from '../model/content-type.js';
import { searchTextOf } from '../model/field-values.js';
import { ContentItemRepository, type ItemRow } from '../storage/content-item.repository.js';
import { ContentTypeRepository } from '../storage/content-type.repository.js';
import { DEMO_FIELDS, DEMO_TYPE, demoArticle } from './demo-articles.js';

const BATCH = 1_000;

/**
 * Gives a fresh database the demo content type `articles` with SEED_DEMO_ITEMS items, so that an export
 * started right after `npm start` has enough to show its progress. Idempotent: the type and its first
 * items are created in one transaction, and a database that has the type is left alone.
 */
@Injectable()
export class DemoContentSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoContentSeeder.name);

  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly config: ContentConfig,
    private readonly http: HttpConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.seedDemoItems === 0 || !this.http.servesApi) return;
    if (await this.types.findByDeveloperName(DEMO_TYPE.developerName)) return;
    try {
      await this.unitOfWork.run(async (manager) => {
        const type = this.demoType();
        await this.types.insert(type, manager);
        for (let done = 0; done < this.config.seedDemoItems; done += BATCH) {
          await this.items.insertMany(
            this.articles(type, done, Math.min(BATCH, this.config.seedDemoItems - done)),
            manager,
          );
        }
      });
      await this.items.refreshStatistics();
      this.logger.log(`Seeded the demo content type "articles" with ${this.config.seedDemoItems} items`);
    } catch (error) {
      // Another instance seeded it at the same moment.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  /** Makes sure `articles` exists with at least `count` items (npm run seed -- --items N); returns how many it added. */
  async ensureArticles(count: number): Promise<number> {
    let type = await this.types.findByDeveloperName(DEMO_TYPE.developerName);
    if (!type) {
      const created = this.demoType();
      await this.unitOfWork.run((manager) => this.types.insert(created, manager));
      type = created;
    }
    const existing = await this.items.count(type.id);
    for (let done = existing; done < count; done += BATCH) {
      const rows = this.articles(type, done, Math.min(BATCH, count - done));
      await this.unitOfWork.run((manager) => this.items.insertMany(rows, manager));
    }
    if (count > existing) await this.items.refreshStatistics();
    return Math.max(0, count - existing);
  }

  private demoType(): ContentType {
    const now = new Date();
    return { id: uuidv7(), ...DEMO_TYPE, fields: DEMO_FIELDS, createdAt: now, updatedAt: now };
  }

  private articles(type: ContentType, from: number, count: number): ItemRow[] {
    return Array.from({ length: count }, (_, offset) => {
      const values = demoArticle(from + offset);
      // Distinct, increasing creation times keep the demo's default order stable and readable.
      const createdAt = new Date(Date.UTC(2025, 0, 1) + (from + offset) * 1000);
      return {
        id: uuidv7(),
        contentTypeId: type.id,
        values,
        searchText: searchTextOf(type, values),
        createdAt,
        updatedAt: createdAt,
      };
    });
  }
}
